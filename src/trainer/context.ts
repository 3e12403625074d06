/** Everything one training run holds: the typed config, the workers, the reward managers, and what the run needs. */
import type { PpoTrainerConfig } from '../config/schema/ppo-trainer.js';
import type { Tokenizer } from '../models/index.js';
import type { RewardManager } from '../reward/index.js';
import type { Rng } from '../util/rng.js';
import type { ActorWorker, CriticWorker, RefWorker, RolloutWorker } from '../workers/index.js';
import type { KlController } from '../algos/index.js';
import type { RunNeeds } from './options.js';

export interface TrainingContext {
  config: PpoTrainerConfig;
  needs: RunNeeds;
  tokenizer: Tokenizer;
  actor: ActorWorker;
  rollout: RolloutWorker;
  ref: RefWorker | null;
  critic: CriticWorker | null;
  rewardFn: RewardManager;
  valRewardFn: RewardManager;
  /** KL-in-reward controller (algorithm.use_kl_in_reward); null otherwise. */
  klController: KlController | null;
  /** Draws for losses that choose tokens at random (clip_cov / kl_cov). */
  lossRng: Rng;
}
