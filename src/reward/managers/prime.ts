/**
 * verl's PRIME reward manager: every sample is scored in parallel — here up to `maxConcurrency` async calls in
 * flight (default 64, verl's process pool size) — with a per-call timeout of custom_reward_function.timeout_s
 * (default 300 s, verl's). verl turns failures and timeouts into 0 silently; verl-ts follows
 * custom_reward_function.on_error (raise by default, or zero and count).
 */
import { DEFAULT_SCORE_POLICY } from '../types.js';
import { scorePerSample } from './per-sample.js';
import type { RewardManager, RewardManagerOptions } from './types.js';

export const PRIME_DEFAULT_TIMEOUT_S = 300;
export const PRIME_DEFAULT_CONCURRENCY = 64;

export function createPrimeRewardManager(options: RewardManagerOptions): RewardManager {
  const base = options.policy ?? DEFAULT_SCORE_POLICY;
  const policy = { ...base, timeoutS: base.timeoutS ?? PRIME_DEFAULT_TIMEOUT_S };
  return {
    name: 'prime',
    compute: (batch) => scorePerSample(batch, options, { concurrency: options.maxConcurrency ?? PRIME_DEFAULT_CONCURRENCY, policy }),
  };
}
