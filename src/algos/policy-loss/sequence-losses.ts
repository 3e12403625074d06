/**
 * Policy losses on whole-sequence log-probs (Σ_t logp·m), each with its exact gradient with respect to every
 * token's log-prob: online DPO on (chosen, rejected) row pairs against the reference (verl's former recipe/spin),
 * and SPPO's squared regression of the sequence log-ratio onto η·advantage (verl's recipe/sppo).
 */
import { ConfigError, InputError } from '../../util/errors.js';
import { computeOnlineDpoLoss } from '../dpo.js';
import { maskRowSums, maskedRowSums } from '../masked.js';
import type { Mat } from '../mat.js';
import { assertSameShape } from '../mat.js';
import type { PolicyLossConfig, PolicyLossInput, PolicyLossResult } from './types.js';

function numberKey(section: Readonly<Record<string, unknown>> | undefined, key: string, fallback: number, where: string): number {
  const value = section?.[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ConfigError(`${where}.${key} must be a finite number, got ${JSON.stringify(value)}`);
  return value;
}

/** Spread a per-sequence gradient over the sequence's valid tokens: d/d logp_{i,t} = g_i·m_{i,t}. */
function spread(perRow: ArrayLike<number>, mask: Mat): Float64Array {
  const out = new Float64Array(mask.data.length);
  for (let i = 0; i < mask.rows; i++) {
    for (let t = 0; t < mask.cols; t++) out[i * mask.cols + t] = perRow[i] * mask.data[i * mask.cols + t];
  }
  return out;
}

/**
 * online_dpo: rows (2k, 2k + 1) are pair k's chosen and rejected responses. Sequence log-probs of the policy and
 * the reference are Σ_t logp·m (verl-ts counts response tokens only; verl's SPIN also counted right padding).
 * β = actor.dpo_beta; algorithm.dpo_loss_type (sigmoid / ipo), dpo_label_smoothing, dpo_reference_free.
 * Metrics: verl's SPIN names (actor/dpo_loss, dpo_logits, policy_/reference_{chosen,rejected}_logps,
 * rewards_{chosen,rejected,accuracies,margins}), from this call's means.
 */
export function onlineDpoPolicyLoss(input: PolicyLossInput, config: PolicyLossConfig): PolicyLossResult {
  const { logProb, responseMask: mask } = input;
  if (logProb.rows % 2 !== 0) {
    throw new InputError(`policy loss 'online_dpo': rows must come as (chosen, rejected) pairs, got an odd number (${logProb.rows})`);
  }
  const beta = numberKey(config.actor, 'dpo_beta', 0.1, 'actor_rollout_ref.actor');
  const lossType = typeof config.algorithm?.dpo_loss_type === 'string' ? config.algorithm.dpo_loss_type : 'sigmoid';
  const labelSmoothing = numberKey(config.algorithm, 'dpo_label_smoothing', 0, 'algorithm');
  const referenceFree = config.algorithm?.dpo_reference_free === true;
  const ref = input.refLogProb ?? null;
  if (ref === null && !referenceFree) {
    throw new InputError("policy loss 'online_dpo' needs the reference policy's log-probs (refLogProb), or algorithm.dpo_reference_free=true");
  }
  if (ref !== null) assertSameShape(ref, logProb, 'refLogProb', 'logProb', "policy loss 'online_dpo'");
  const policy = maskedRowSums(logProb, mask);
  const reference = ref === null ? new Float64Array(logProb.rows) : maskedRowSums(ref, mask);
  const pairs = logProb.rows / 2;
  const pick = (xs: Float64Array, offset: number) => Float64Array.from({ length: pairs }, (_, p) => xs[2 * p + offset]);
  const dpo = computeOnlineDpoLoss(
    { policyChosenLogps: pick(policy, 0), policyRejectedLogps: pick(policy, 1), referenceChosenLogps: pick(reference, 0), referenceRejectedLogps: pick(reference, 1) },
    { beta, lossType, labelSmoothing, referenceFree },
  );
  const perRow = new Float64Array(logProb.rows);
  for (let p = 0; p < pairs; p++) {
    perRow[2 * p] = dpo.grad.policyChosenLogps[p];
    perRow[2 * p + 1] = dpo.grad.policyRejectedLogps[p];
  }
  const m = dpo.metrics;
  const chosen = beta * (m['actor/policy_chosen_logps'] - m['actor/reference_chosen_logps']);
  const rejected = beta * (m['actor/policy_rejected_logps'] - m['actor/reference_rejected_logps']);
  return {
    loss: dpo.loss,
    metrics: {
      ...m,
      'actor/dpo_loss': dpo.loss,
      'actor/rewards_chosen': chosen,
      'actor/rewards_rejected': rejected,
      'actor/rewards_accuracies': m['actor/dpo_logits'] > 0 ? 1 : 0,
      'actor/rewards_margins': chosen - rejected,
    },
    grad: { logProb: spread(perRow, mask) },
  };
}

/**
 * sppo: ℓ_i = Σ_t (logp − old)·m, a_i = the sequence's advantage (the `sppo` estimator's s_i − SoftMean_β(s),
 * read back as Σ_t A·m / L_i), loss = mean over non-empty sequences of (ℓ_i − η·a_i)², η = actor.sppo_eta.
 * Metrics: verl's actor/log_ratio_mean and actor/preference_mean (= mean η·a_i).
 */
export function sppoPolicyLoss(input: PolicyLossInput, config: PolicyLossConfig): PolicyLossResult {
  const { logProb, oldLogProb, advantages, responseMask: mask } = input;
  const eta = numberKey(config.actor, 'sppo_eta', 1.0, 'actor_rollout_ref.actor');
  const lengths = maskRowSums(mask);
  const newSums = maskedRowSums(logProb, mask);
  const oldSums = maskedRowSums(oldLogProb, mask);
  const advSums = maskedRowSums(advantages, mask);
  let live = 0;
  for (let i = 0; i < mask.rows; i++) if (lengths[i] > 0) live++;
  const perRow = new Float64Array(mask.rows);
  let loss = 0;
  let ratioSum = 0;
  let prefSum = 0;
  for (let i = 0; i < mask.rows; i++) {
    const logRatio = newSums[i] - oldSums[i];
    const preference = lengths[i] > 0 ? (eta * advSums[i]) / lengths[i] : 0;
    ratioSum += logRatio;
    prefSum += preference;
    if (lengths[i] === 0) continue;
    const err = logRatio - preference;
    loss += (err * err) / live;
    perRow[i] = (2 * err) / live;
  }
  const rows = Math.max(mask.rows, 1);
  return {
    loss,
    metrics: { 'actor/log_ratio_mean': ratioSum / rows, 'actor/preference_mean': prefSum / rows },
    grad: { logProb: spread(perRow, mask) },
  };
}
