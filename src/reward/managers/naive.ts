/**
 * verl's naive reward manager: one scoring call per sample, one after another. The score lands on the last
 * valid response token; a {score, ...} result adds every key to reward_extra_info; a dense result fills the
 * response tokens from the first.
 */
import { scorePerSample } from './per-sample.js';
import type { RewardManager, RewardManagerOptions } from './types.js';

export function createNaiveRewardManager(options: RewardManagerOptions): RewardManager {
  return { name: 'naive', compute: (batch) => scorePerSample(batch, options) };
}
