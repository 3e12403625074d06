import type { Batch } from '../../data/batch.js';
import type { Tensor } from '../../data/tensor.js';
import type { Tokenizer } from '../../data/tokenizer.js';
import type { ScoringFunction } from '../scoring-function.js';
import type { ScorePolicy } from '../types.js';

/** reward_model.overlong_buffer (DAPO's soft overlong punishment). */
export interface OverlongBufferConfig {
  enable: boolean;
  /** Tokens of the buffer at the end of the allowed response length. */
  len: number;
  penaltyFactor: number;
  /** Record overlong_reward and overlong in reward_extra_info. */
  log: boolean;
}

export interface RewardManagerOptions {
  tokenizer: Tokenizer;
  /** Samples printed per data_source per call (verl: 0 for training, 1 for validation). */
  numExamine: number;
  /** null/absent: the built-in default_compute_score (not allowed for the batch manager). */
  computeScore?: ScoringFunction | null;
  /** data.reward_fn_key (default "data_source"). */
  rewardFnKey?: string;
  /** Where examined samples are printed (default: nowhere). */
  log?: (line: string) => void;
  /** custom_reward_function.on_error / timeout_s. */
  policy?: ScorePolicy;
  /** reward_model.reward_kwargs: keyword arguments the batch manager passes to its function. */
  rewardKwargs?: Record<string, unknown>;
  /** dapo: data.max_response_length. */
  maxResponseLength?: number;
  /** dapo: reward_model.overlong_buffer. */
  overlongBuffer?: OverlongBufferConfig | null;
  /** prime: async calls in flight at once (default 64, verl's process count). */
  maxConcurrency?: number;
}

export interface RewardOutput {
  /** token_level_scores [B, response width], float32; a scalar score sits on the last valid response token. */
  rewardTensor: Tensor<Float32Array>;
  /** One list per key, one entry per sample (null where a sample did not report the key). */
  rewardExtraInfo: Record<string, unknown[]>;
  /** The scalar score of each sample (a dense reward's sum); verl's batch/prime managers call it "acc". */
  sequenceScores: Float32Array;
  /** reward/score_failures: samples scored 0 under on_error=zero. */
  metrics: Record<string, number>;
}

export interface RewardManager {
  readonly name: string;
  /** Score a batch holding prompts [B, P], responses [B, R], attention_mask [B, P+R] and the per-row data. */
  compute(batch: Batch): Promise<RewardOutput>;
}

export type RewardManagerFactory = (options: RewardManagerOptions) => RewardManager;
