/**
 * Example user module: registers an advantage estimator and a policy loss with verl-ts. Loaded by verl-ts
 * before the config is validated, so both names become valid values of algorithm.adv_estimator and
 * actor_rollout_ref.actor.policy_loss.loss_mode.
 */
import {
  aggLoss,
  getAdvantageEstimator,
  klPenalty,
  registerAdvantageEstimator,
  registerPolicyLoss,
  vanillaPolicyLoss,
} from 'verl-ts/algos';
import type { AdvantageConfig, AdvantageInput, AdvantageOutput, PolicyLossConfig, PolicyLossInput, PolicyLossResult } from 'verl-ts/algos';

/**
 * grpo_clipped: GRPO advantages clipped to ±algorithm.grpo_clip (default 3), so that one lucky sample in a
 * low-variance group cannot dominate the update.
 */
export function grpoClipped(input: AdvantageInput, config: AdvantageConfig): AdvantageOutput {
  const bound = typeof config.algorithm?.grpo_clip === 'number' ? config.algorithm.grpo_clip : 3;
  const { advantages } = getAdvantageEstimator('grpo')(input, config);
  const clipped = { ...advantages, data: advantages.data.map((a) => Math.max(-bound, Math.min(bound, a))) };
  return { advantages: clipped, returns: clipped };
}

/**
 * ppo_k3: vanilla PPO plus β·k3(π_θ ‖ π_old) per token (β = actor.k3_coef, default 0.05), aggregated like
 * the PPO term. Gradients compose: d/dlogp of the sum is the sum of the parts' gradients.
 */
export function ppoK3(input: PolicyLossInput, config: PolicyLossConfig): PolicyLossResult {
  const beta = typeof config.actor?.k3_coef === 'number' ? config.actor.k3_coef : 0.05;
  const ppo = vanillaPolicyLoss(input, config);
  const { kl, dLogProb } = klPenalty(input.logProb, input.oldLogProb, 'k3');
  const { loss, weights } = aggLoss(kl, input.responseMask, config.lossAggMode, config.global);
  const grad = ppo.grad.logProb.map((g, k) => g + beta * weights.data[k] * dLogProb[k]);
  return { loss: ppo.loss + beta * loss, metrics: { ...ppo.metrics, 'actor/k3_penalty': loss }, grad: { logProb: grad } };
}

registerAdvantageEstimator('grpo_clipped', grpoClipped);
registerPolicyLoss('ppo_k3', ppoK3);
