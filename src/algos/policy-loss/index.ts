/** The policy-loss registry (verl's register_policy_loss / get_policy_loss_fn), its built-ins, and bypass_mode. */
import { ConfigError, InputError } from '../../util/errors.js';
import { didYouMean } from '../../util/suggest.js';
import { NO_POLICY_LOSS_NEEDS, type PolicyLossNeeds } from '../needs.js';
import { Registry, type RegisterOptions } from '../registry.js';
import { checkPolicyInput } from './common.js';
import {
  cispoPolicyLoss,
  clipCovPolicyLoss,
  geoMeanPolicyLoss,
  gpgPolicyLoss,
  gspoPolicyLoss,
  klCovPolicyLoss,
  reinforcePolicyLoss,
  sapoPolicyLoss,
  vanillaPolicyLoss,
} from './losses.js';
import { computeRolloutCorrection } from './rollout-correction.js';
import { onlineDpoPolicyLoss, sppoPolicyLoss } from './sequence-losses.js';
import type { PolicyLossConfig, PolicyLossFn, PolicyLossInput, PolicyLossResult } from './types.js';

const BYPASS_LOSS_TYPES = ['ppo_clip', 'reinforce'];

/**
 * bypass_mode: old_log_prob holds the rollout log-probs. IS weights π_θ/π_rollout and the rejection mask are
 * computed (without gradient) from the current log-probs, then loss_type "ppo_clip" runs vanilla PPO on the
 * rejection-masked tokens without IS weights (the PPO ratio already is π_θ/π_rollout), and "reinforce" runs
 * REINFORCE with the IS weights. The rollout_corr/* metrics are merged in. input.rolloutIsWeights is ignored.
 */
export function bypassModePolicyLoss(input: PolicyLossInput, config: PolicyLossConfig): PolicyLossResult {
  checkPolicyInput(input, 'bypass_mode');
  const rc = config.rolloutCorrection ?? null;
  if (rc === null) {
    throw new ConfigError(
      "rollout_correction config not found in policy_loss. When using loss_mode='bypass_mode', ensure " +
        'rollout_correction config is passed (algorithm.rollout_correction).',
    );
  }
  const lossType = rc.lossType ?? 'ppo_clip';
  if (!BYPASS_LOSS_TYPES.includes(lossType)) {
    throw new ConfigError(
      `algorithm.rollout_correction.loss_type: Invalid loss_type: '${lossType}'. Must be 'reinforce' or 'ppo_clip'.` +
        didYouMean(lossType, BYPASS_LOSS_TYPES),
    );
  }
  const corr = computeRolloutCorrection(input.logProb, input.oldLogProb, input.responseMask, rc);
  const inner: PolicyLossInput = { ...input, responseMask: corr.responseMask };
  const result =
    lossType === 'reinforce'
      ? reinforcePolicyLoss({ ...inner, rolloutIsWeights: corr.isWeights }, config)
      : vanillaPolicyLoss({ ...inner, rolloutIsWeights: null }, config);
  return { ...result, metrics: { ...result.metrics, ...corr.metrics } };
}

const losses = new Registry<PolicyLossFn, PolicyLossNeeds>(
  { what: 'policy loss', configKey: 'actor_rollout_ref.actor.policy_loss.loss_mode', sharedKey: 'policy_loss' },
  NO_POLICY_LOSS_NEEDS,
);

const BUILTIN_LOSSES: ReadonlyArray<[string, PolicyLossFn]> = [
  ['vanilla', vanillaPolicyLoss],
  ['gspo', gspoPolicyLoss],
  ['sapo', sapoPolicyLoss],
  ['gpg', gpgPolicyLoss],
  ['clip_cov', clipCovPolicyLoss],
  ['kl_cov', klCovPolicyLoss],
  ['geo_mean', geoMeanPolicyLoss],
  ['cispo', cispoPolicyLoss],
  ['bypass_mode', bypassModePolicyLoss],
];
for (const [name, fn] of BUILTIN_LOSSES) losses.registerBuiltin(name, fn, name === 'bypass_mode' ? { rolloutLogProbs: true } : {});
// The recipes' losses (verl's former recipe/spin and recipe/sppo), selected by loss_mode like the others.
losses.registerBuiltin('online_dpo', onlineDpoPolicyLoss, { referenceLogProbs: true, preferencePairs: true });
losses.registerBuiltin('sppo', sppoPolicyLoss);

/**
 * Register a user policy loss; returns `fn`. `options.needs` declares what it needs from the loop (see
 * PolicyLossNeeds). A different function under a taken name throws unless `options.override` is true.
 */
export function registerPolicyLoss(name: string, fn: PolicyLossFn, options: RegisterOptions<PolicyLossNeeds> = {}): PolicyLossFn {
  return losses.register(name, fn, options);
}

/** What the named policy loss declared it needs (unknown names throw a ConfigError listing the known ones). */
export function policyLossNeeds(name: string): PolicyLossNeeds {
  return losses.needs(name);
}

/** Look up a policy loss (case-sensitive); unknown names throw a ConfigError listing the known ones. */
export function getPolicyLoss(name: string): PolicyLossFn {
  return losses.get(name);
}

export function policyLossNames(): string[] {
  return losses.names();
}

/** Run the named loss and check its result (finite loss, a gradient per logProb element). */
export function computePolicyLoss(name: string, input: PolicyLossInput, config: PolicyLossConfig): PolicyLossResult {
  const fn = getPolicyLoss(name);
  checkPolicyInput(input, name);
  const out = fn(input, config);
  const where = `policy loss '${name}'`;
  if (out === null || typeof out !== 'object' || typeof out.loss !== 'number' || out.grad?.logProb === undefined) {
    throw new InputError(`${where} must return { loss: number, metrics, grad: { logProb: Float64Array } }`);
  }
  if (out.grad.logProb.length !== input.logProb.data.length) {
    throw new InputError(`${where} returned ${out.grad.logProb.length} gradient entries, expected ${input.logProb.data.length}`);
  }
  return out;
}

export { reinforcePolicyLoss } from './losses.js';
export { onlineDpoPolicyLoss, sppoPolicyLoss } from './sequence-losses.js';
export {
  cispoPolicyLoss,
  clipCovPolicyLoss,
  geoMeanPolicyLoss,
  gpgPolicyLoss,
  gspoPolicyLoss,
  klCovPolicyLoss,
  sapoPolicyLoss,
  vanillaPolicyLoss,
} from './losses.js';
export type { PolicyLossConfig, PolicyLossFn, PolicyLossInput, PolicyLossResult } from './types.js';
export { defaultPolicyLossConfig } from './types.js';
export type { RolloutCorrectionConfig, RolloutCorrectionResult } from './rollout-correction.js';
export {
  ROLLOUT_RS_OPTIONS,
  computeOffpolicyMetrics,
  computeRolloutCorrection,
  computeRolloutCorrectionWeights,
  computeRolloutRejectionMask,
  parseRolloutRsOptions,
  rolloutCorrMetricsFromLogprobs,
} from './rollout-correction.js';
