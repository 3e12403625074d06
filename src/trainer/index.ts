/** verl-ts trainer: the PPO-family loop behind `verl-ts train`, its validation, metrics, checkpoints and loggers. */
export { runTraining, formatSummary, SIGNAL_EXIT_CODES, type TrainIO, type TrainingSummary } from './run.js';
export { fit, type LoopPlan, type LoopResult, type LoopServices } from './fit.js';
export { processValidationMetrics, validate, type ValidationResult } from './validate.js';
export { dataMetrics, timingMetrics, throughputMetrics } from './metrics.js';
export { runNeedsOf, type RunNeeds } from './options.js';
export type { TrainingContext } from './context.js';
