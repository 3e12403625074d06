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
 * The module's own parameters. verl-ts validates its config against a closed schema, so a plugin's knobs
 * live in the plugin (here: constants a user edits, or reads from the environment), not in new config keys.
 */
export const GRPO_CLIP = Number(process.env.GRPO_CLIP ?? 3);
export const K3_COEF = Number(process.env.K3_COEF ?? 0.05);

/**
 * grpo_clipped: GRPO advantages clipped to ±GRPO_CLIP, so that one lucky sample in a low-variance group
 * cannot dominate the update.
 */
export function grpoClipped(input: AdvantageInput, config: AdvantageConfig, bound = GRPO_CLIP): AdvantageOutput {
  const { advantages } = getAdvantageEstimator('grpo')(input, config);
  const clipped = { ...advantages, data: advantages.data.map((a) => Math.max(-bound, Math.min(bound, a))) };
  return { advantages: clipped, returns: clipped };
}

/**
 * ppo_k3: vanilla PPO plus β·k3(π_θ ‖ π_old) per token (β = K3_COEF), aggregated like the PPO term.
 * Gradients compose: d/dlogp of the sum is the sum of the parts' gradients.
 */
export function ppoK3(input: PolicyLossInput, config: PolicyLossConfig, beta = K3_COEF): PolicyLossResult {
  const ppo = vanillaPolicyLoss(input, config);
  const { kl, dLogProb } = klPenalty(input.logProb, input.oldLogProb, 'k3');
  const { loss, weights } = aggLoss(kl, input.responseMask, config.lossAggMode, config.global);
  const grad = ppo.grad.logProb.map((g, k) => g + beta * weights.data[k] * dLogProb[k]);
  return { loss: ppo.loss + beta * loss, metrics: { ...ppo.metrics, 'actor/k3_penalty': loss }, grad: { logProb: grad } };
}

// It compares the samples of one prompt, so it declares that it needs uid groups (and with them rollout.n >= 2
// to be meaningful); the loop and the start-up checks read this declaration, not the name.
registerAdvantageEstimator('grpo_clipped', (input, config) => grpoClipped(input, config), { needs: { groups: true } });
registerPolicyLoss('ppo_k3', (input, config) => ppoK3(input, config));
