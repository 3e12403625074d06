/** Shapes shared by scorers, custom reward functions and reward managers. */

/** A scalar score with extra values (they become reward_extra_info columns and metrics). */
export interface ScoreDict {
  score: number | boolean;
  [extra: string]: unknown;
}

/** One reward per response token, from the first response token on (a dense reward). */
export type DenseScore = readonly number[] | Float32Array | Float64Array;

export type ScoreResult = number | boolean | ScoreDict | DenseScore;

export type ExtraInfo = Record<string, unknown>;

/**
 * A per-sample scoring function, verl's compute_score(data_source, solution_str, ground_truth, extra_info,
 * **kwargs): the fifth argument holds the extra keyword arguments (custom_reward_function.reward_kwargs).
 */
export type ComputeScoreFn = (
  dataSource: string,
  solutionStr: string,
  groundTruth: unknown,
  extraInfo: ExtraInfo | null,
  kwargs: Record<string, unknown>,
) => ScoreResult | Promise<ScoreResult>;

/** A whole-batch scoring function for the batch reward manager (lists in, one result per sample out). */
export type BatchComputeScoreFn = (
  dataSources: string[],
  solutionStrs: string[],
  groundTruths: unknown[],
  extraInfos: ExtraInfo[],
  kwargs: Record<string, unknown>,
) => readonly ScoreResult[] | Promise<readonly ScoreResult[]>;

/** What to do when a reward function throws, times out or returns something that is not a score. */
export type OnScoreError = 'raise' | 'zero';

export interface ScorePolicy {
  /** custom_reward_function.on_error: 'raise' (default) stops with an error naming the sample; 'zero' scores it 0. */
  onError: OnScoreError;
  /** custom_reward_function.timeout_s: seconds a call may take (null: no limit). */
  timeoutS: number | null;
}

export const DEFAULT_SCORE_POLICY: ScorePolicy = { onError: 'raise', timeoutS: null };
