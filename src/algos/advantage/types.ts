/** The stable, typed signature every advantage estimator (built-in or user-registered) implements. */
import type { Mat } from '../mat.js';

/** A group label: the uid of the prompt a response came from (rows with equal labels form a group). */
export type GroupLabel = string | number;

export interface AdvantageInput {
  /** [B, T] rewards per response token (the outcome reward usually sits on the last valid token). */
  tokenLevelRewards: Mat;
  /** [B, T] 1 where a token counts, 0 for padding (and tool/observation tokens in multi-turn). */
  responseMask: Mat;
  /** One group label per row (verl's `uid`); needed by every group-based estimator. */
  index?: ReadonlyArray<GroupLabel>;
  /** [B, T] critic values (gae). */
  values?: Mat;
  /** [B] summed reward of the greedy response per row (remax). */
  rewardBaselines?: ArrayLike<number>;
  /** [B, T] log-probs of the sampled tokens under the policy that generated them (OTB estimators). */
  oldLogProbs?: Mat;
  /** [B, T] Σ_v π(v)² at every position (OTB estimators). */
  sumPiSquared?: Mat;
  /** [B, T] rollout-correction importance weights, if computed (OTB estimators). */
  rolloutIsWeights?: Mat | null;
}

export interface AdvantageConfig {
  /** algorithm.gamma (gae, reinforce_plus_plus). */
  gamma: number;
  /** algorithm.lam (gae). */
  lam: number;
  /** algorithm.norm_adv_by_std_in_grpo (grpo, grpo_vectorized, grpo_passk). */
  normAdvByStdInGrpo: boolean;
  /**
   * OTB estimators: zero the baseline of a uniquely longest trajectory beyond the second-longest length.
   * Left undefined, each estimator uses verl's default (false for optimal_token_baseline, true for
   * tir_optimal_token_baseline).
   */
  handleZeroTail?: boolean;
  /** The `algorithm` config section as written (snake_case), for user estimators that read their own keys. */
  algorithm?: Readonly<Record<string, unknown>>;
}

export interface AdvantageOutput {
  advantages: Mat;
  returns: Mat;
}

export type AdvantageEstimatorFn = (input: AdvantageInput, config: AdvantageConfig) => AdvantageOutput;

/** verl's defaults (algorithm.gamma = lam = 1.0, norm_adv_by_std_in_grpo = true). */
export function defaultAdvantageConfig(overrides: Partial<AdvantageConfig> = {}): AdvantageConfig {
  return { gamma: 1.0, lam: 1.0, normAdvByStdInGrpo: true, ...overrides };
}
