/**
 * Reward managers by name (reward_model.reward_manager): naive, batch, dapo, prime, and any a user registers.
 */
import { ConfigError } from '../../util/errors.js';
import { didYouMean } from '../../util/suggest.js';
import { createBatchRewardManager } from './batch.js';
import { createDapoRewardManager } from './dapo.js';
import { createNaiveRewardManager } from './naive.js';
import { createPrimeRewardManager } from './prime.js';
import type { RewardManager, RewardManagerFactory, RewardManagerOptions } from './types.js';

const registry = new Map<string, RewardManagerFactory>([
  ['naive', createNaiveRewardManager],
  ['batch', createBatchRewardManager],
  ['dapo', createDapoRewardManager],
  ['prime', createPrimeRewardManager],
]);

/** Register a reward manager; the same factory twice is fine, a different one under a taken name is an error. */
export function registerRewardManager(name: string, factory: RewardManagerFactory): void {
  const existing = registry.get(name);
  if (existing && existing !== factory) throw new ConfigError(`Reward manager ${name} has already been registered`);
  registry.set(name, factory);
}

export function rewardManagerNames(): string[] {
  return [...registry.keys()];
}

export function getRewardManagerFactory(name: string): RewardManagerFactory {
  const f = registry.get(name);
  if (!f) {
    throw new ConfigError(
      `Unknown reward manager: ${name} (reward_model.reward_manager). Known: ${rewardManagerNames().join(', ')}.` + didYouMean(name, rewardManagerNames()),
    );
  }
  return f;
}

export function createRewardManager(name: string, options: RewardManagerOptions): RewardManager {
  return getRewardManagerFactory(name)(options);
}
