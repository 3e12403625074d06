/**
 * The objectives the trainer hands to the workers, built from src/algos: the actor's PPO-family loss (the
 * registered policy loss, minus the entropy bonus, plus the KL loss) and the critic's clipped value loss. Each
 * returns the loss of one micro-batch, its gradient with respect to the model outputs (scaled by the
 * micro-batch's share), and verl's metrics.
 */
import { aggregateEntropy, computeKlLoss, computePolicyLoss, computeValueLoss, type PolicyLossConfig } from '../algos/index.js';
import type { Rng } from '../util/rng.js';
import type { ActorObjective, CriticObjective } from '../workers/index.js';
import { matOf, matOfTensor } from './columns.js';

export interface PolicyObjectiveOptions {
  lossName: string;
  lossConfig: PolicyLossConfig;
  /** actor.entropy_coeff: the loss subtracts coeff·agg(entropy). */
  entropyCoeff: number;
  /** actor.use_kl_loss with kl_loss_coef and kl_loss_type; reads the ref_log_prob column. */
  klLoss: { coef: number; type: string } | null;
  /** verl's on-policy shortcut: old log-probs are the current ones, detached (ratio exactly 1). */
  onPolicy: boolean;
  rng: Rng;
}

export function policyObjective(o: PolicyObjectiveOptions): ActorObjective {
  const agg = o.lossConfig.lossAggMode;
  return (micro, out, scale) => {
    const mask = matOf(micro, 'response_mask');
    const logProb = matOfTensor(out.logProbs);
    const oldLogProb = o.onPolicy ? matOfTensor(out.logProbs) : matOf(micro, 'old_log_probs');
    const pl = computePolicyLoss(
      o.lossName,
      {
        oldLogProb,
        logProb,
        advantages: matOf(micro, 'advantages'),
        responseMask: mask,
        rolloutIsWeights: micro.hasTensor('rollout_is_weights') ? matOf(micro, 'rollout_is_weights') : null,
        refLogProb: micro.hasTensor('ref_log_prob') ? matOf(micro, 'ref_log_prob') : null,
        rng: o.rng,
      },
      o.lossConfig,
    );
    const gradLogProb = Float64Array.from(pl.grad.logProb);
    let loss = pl.loss;
    const metrics: Record<string, number> = { ...pl.metrics };
    const sums: Record<string, number> = { 'actor/pg_loss': pl.loss };
    let gradEntropy: Float64Array | undefined;
    if (out.entropy !== undefined) {
      const ent = aggregateEntropy(matOfTensor(out.entropy), mask, agg);
      metrics['actor/entropy'] = ent.loss;
      if (o.entropyCoeff !== 0) {
        loss -= o.entropyCoeff * ent.loss;
        gradEntropy = ent.grad.entropy.map((w) => -o.entropyCoeff * w * scale);
      } else {
        gradEntropy = new Float64Array(ent.grad.entropy.length);
      }
    }
    if (o.klLoss !== null) {
      const kl = computeKlLoss(logProb, matOf(micro, 'ref_log_prob'), mask, o.klLoss.type, agg);
      loss += o.klLoss.coef * kl.loss;
      for (let k = 0; k < gradLogProb.length; k++) gradLogProb[k] += o.klLoss.coef * kl.grad.logProb[k];
      sums['actor/kl_loss'] = kl.loss;
      metrics['actor/kl_coef'] = o.klLoss.coef;
    }
    for (let k = 0; k < gradLogProb.length; k++) gradLogProb[k] *= scale;
    return { loss, upstream: { logProbs: gradLogProb, entropy: gradEntropy }, metrics, sums };
  };
}

export interface ValueObjectiveOptions {
  cliprangeValue: number;
  lossAggMode: string;
}

export function valueObjective(o: ValueObjectiveOptions): CriticObjective {
  return (micro, out, scale) => {
    const result = computeValueLoss(
      { vpreds: matOfTensor(out.values), values: matOf(micro, 'values'), returns: matOf(micro, 'returns'), responseMask: matOf(micro, 'response_mask') },
      { cliprangeValue: o.cliprangeValue, lossAggMode: o.lossAggMode },
    );
    const grad = result.grad.vpreds.map((g) => g * scale);
    return { loss: result.loss, upstream: { values: grad }, metrics: result.metrics, sums: { 'critic/vf_loss': result.loss } };
  };
}
