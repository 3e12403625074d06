/** verl-ts workers: the actor, critic, reference and rollout roles behind small interfaces, and their shared update loop. */
export { ActorWorker, type ActorObjective, type ActorOptions, type ActorOutputs, type ActorUpstream } from './actor.js';
export { CriticWorker, type CriticObjective, type CriticOutputs, type CriticUpstream } from './critic.js';
export { RefWorker } from './ref.js';
export { LocalRollout, type RolloutWorker } from './rollout.js';
export { microBatches, rowTokenCounts, type MicroBatching } from './micro-batches.js';
export { optimizerFor, type OptimSettings, type OptimizerSide } from './optimizer.js';
export { scoreBatch, valuesOfBatch, type BatchTokenScores } from './scoring.js';
export { TrainableRole } from './role.js';
export { runUpdate, type Objective, type ObjectiveResult, type Trainable, type TrainingPass, type UpdatePlan, type UpdateStats } from './update.js';
