/**
 * RolloutOptions: how `generate` samples, with the meanings of verl's rollout section (temperature, top_k,
 * top_p, do_sample, n, response_length, ignore_eos, seed, max_num_seqs), plus the mapping from the validated
 * config section (training sampling or rollout.val_kwargs for validation).
 */
import type { RolloutConfig } from '../../config/schema/ppo-trainer.js';
import { ConfigError } from '../../util/errors.js';
import { checkSamplingParams, type SamplingParams } from '../sampling/logits-process.js';

export interface RolloutOptions {
  /** Softmax temperature of sampling (> 0 when doSample). */
  temperature: number;
  /** Keep the k most likely tokens; <= 0 disables (verl writes -1). */
  topK: number;
  /** Nucleus mass in (0, 1]; 1 disables. */
  topP: number;
  /** false: greedy decoding (argmax; temperature, top-k and top-p are ignored). */
  doSample: boolean;
  /** Responses per prompt; output row i·n + k is the k-th sample of prompt i (verl's interleaved repeat). */
  n: number;
  /** Most tokens generated per response; responses are right-padded to exactly this width. */
  responseLength: number;
  /** Keep generating through EOS until responseLength. */
  ignoreEos: boolean;
  /**
   * Seed of the sampler. Output row r draws from its own stream derived from (seed, r), so the same seed,
   * prompts and weights give the same samples on CPU. Vary it per training step (e.g. seed + global step).
   */
  seed: number;
  /** Most sequences decoded together; more rows are decoded in consecutive groups of this size. */
  maxNumSeqs: number;
  /**
   * Random stream of the first output row (default 0): row r draws from stream streamOffset + r. A caller that
   * splits one job into batches passes each batch's first row, so results do not depend on the batch size.
   */
  streamOffset?: number;
  /** Stop ids; default: the generation config's EOS ids plus the tokenizer's. */
  eosTokenIds?: readonly number[];
  /** Id written after a response ends; default: tokenizer pad → generation-config pad → config pad → first EOS → 0. */
  padTokenId?: number;
}

/** The sampling part of RolloutOptions as the sampler takes it. */
export function samplingParamsOf(o: RolloutOptions): SamplingParams {
  return { doSample: o.doSample, temperature: o.temperature, topK: o.topK, topP: o.topP };
}

function positiveInteger(value: number, key: string): void {
  if (!Number.isSafeInteger(value) || value < 1) throw new ConfigError(`${key} must be a positive integer, got ${value}`);
}

/** Refuse options generate cannot honour, naming them as verl's config does. */
export function checkRolloutOptions(o: RolloutOptions): void {
  checkSamplingParams(samplingParamsOf(o));
  positiveInteger(o.n, 'n');
  positiveInteger(o.responseLength, 'response_length');
  positiveInteger(o.maxNumSeqs, 'max_num_seqs');
  if (!Number.isSafeInteger(o.seed) || o.seed < 0) throw new ConfigError(`seed must be a non-negative integer, got ${o.seed}`);
  if (o.streamOffset !== undefined && (!Number.isSafeInteger(o.streamOffset) || o.streamOffset < 0)) {
    throw new ConfigError(`streamOffset must be a non-negative integer, got ${o.streamOffset}`);
  }
  if (o.eosTokenIds && o.eosTokenIds.some((id) => !Number.isSafeInteger(id) || id < 0)) {
    throw new ConfigError(`eos token ids must be non-negative integers, got [${o.eosTokenIds.join(', ')}]`);
  }
  if (o.padTokenId !== undefined && (!Number.isSafeInteger(o.padTokenId) || o.padTokenId < 0)) {
    throw new ConfigError(`pad token id must be a non-negative integer, got ${o.padTokenId}`);
  }
}

/**
 * The validated rollout section as RolloutOptions: training sampling, or `val_kwargs` (temperature, top_k,
 * top_p, n, do_sample) for validation, as verl's _validate does.
 */
export function rolloutOptionsFromConfig(rollout: RolloutConfig, mode: 'train' | 'validate' = 'train'): RolloutOptions {
  const sampling = mode === 'validate' ? rollout.val_kwargs : rollout;
  return {
    temperature: sampling.temperature,
    topK: sampling.top_k,
    topP: sampling.top_p,
    doSample: sampling.do_sample,
    n: sampling.n,
    responseLength: rollout.response_length,
    ignoreEos: rollout.ignore_eos,
    seed: rollout.seed,
    maxNumSeqs: rollout.max_num_seqs,
  };
}
