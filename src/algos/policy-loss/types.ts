/** The stable, typed signature every policy loss (built-in or user-registered) implements. */
import type { Rng } from '../../util/rng.js';
import type { GlobalBatchInfo } from '../agg-loss.js';
import type { LossResult } from '../loss-result.js';
import type { Mat } from '../mat.js';
import type { RolloutCorrectionConfig } from './rollout-correction.js';

export interface PolicyLossInput {
  /** [B, T] log-probs of the sampled tokens under the policy that collected the data (rollout log-probs in bypass mode). */
  oldLogProb: Mat;
  /** [B, T] log-probs under the current policy: the differentiable input. */
  logProb: Mat;
  advantages: Mat;
  responseMask: Mat;
  /** [B, T] rollout-correction weights; when given they multiply the per-token loss (bypass_mode ignores them). */
  rolloutIsWeights?: Mat | null;
  /** Seeded generator for losses that choose tokens at random (clip_cov). */
  rng?: Rng;
  /** [B, T] the reference policy's log-probs, for losses that declared `referenceLogProbs` (online DPO). */
  refLogProb?: Mat | null;
}

/** The actor settings the losses read (verl's actor config, camelCase). */
export interface PolicyLossConfig {
  /** actor.loss_agg_mode. */
  lossAggMode: string;
  /** actor.clip_ratio (ε), and the optional asymmetric bounds (null/undefined → clip_ratio). */
  clipRatio: number;
  clipRatioLow?: number | null;
  clipRatioHigh?: number | null;
  /** actor.clip_ratio_c: dual-clip lower bound for A < 0 (vanilla); must be > 1. */
  clipRatioC: number;
  /** actor.tau_pos / tau_neg (sapo). */
  tauPos: number;
  tauNeg: number;
  /** actor.policy_loss.clip_cov_ratio / clip_cov_lb / clip_cov_ub (clip_cov). */
  clipCovRatio: number;
  clipCovLb: number;
  clipCovUb: number;
  /** actor.policy_loss.kl_cov_ratio / ppo_kl_coef (kl_cov). */
  klCovRatio: number;
  ppoKlCoef: number;
  /** algorithm.rollout_correction, copied into the policy-loss config in bypass mode. */
  rolloutCorrection?: RolloutCorrectionConfig | null;
  /** Global normalisers for agg_loss (see GlobalBatchInfo). */
  global?: GlobalBatchInfo;
  /** The actor config section as written (snake_case), for user losses that read their own keys. */
  actor?: Readonly<Record<string, unknown>>;
  /** The algorithm config section as written (snake_case): online DPO reads its dpo_* keys here, as verl does. */
  algorithm?: Readonly<Record<string, unknown>>;
}

export type PolicyLossResult = LossResult<'logProb'>;

export type PolicyLossFn = (input: PolicyLossInput, config: PolicyLossConfig) => PolicyLossResult;

/** verl's defaults (ppo_trainer.yaml actor section + policy_loss sub-section). */
export function defaultPolicyLossConfig(overrides: Partial<PolicyLossConfig> = {}): PolicyLossConfig {
  return {
    lossAggMode: 'token-mean',
    clipRatio: 0.2,
    clipRatioLow: 0.2,
    clipRatioHigh: 0.2,
    clipRatioC: 3.0,
    tauPos: 1.0,
    tauNeg: 1.05,
    clipCovRatio: 0.0002,
    clipCovLb: 1.0,
    clipCovUb: 5.0,
    klCovRatio: 0.0002,
    ppoKlCoef: 0.1,
    ...overrides,
  };
}
