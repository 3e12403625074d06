/**
 * verl-ts as a library (`import { ... } from 'verl-ts'`): config loading, the registries a plugin extends
 * (advantage estimators, policy losses, scorers and custom reward functions, reward managers, preprocessors,
 * model architectures), models, data, rewards and the offline jobs. The algorithm core in full is
 * `verl-ts/algos`.
 */

// ---- Config loading: compose a config tree with Hydra overrides, validate it against its schema ----------
export {
  compose,
  toPlain,
  toYaml,
  flatten,
  renderConfig,
  expandSweeps,
  registerResolver,
  ConfigComposeError,
  HYDRA_VERSION,
  type ComposeOptions,
  type ComposeResult,
  type ResolverFn,
} from './config/index.js';
export {
  loadConfig,
  loadTrainerConfig,
  sourceLookup,
  type LoadConfigOptions,
  type LoadTrainerConfigOptions,
  type LoadedConfig,
} from './config/validate-config.js';
export { ConfigValidationError, type SourceLookup } from './config/schema/validate.js';
export { ppoTrainerSchema, type PpoTrainerConfig } from './config/schema/ppo-trainer.js';
export { generationSchema, type GenerationFileConfig } from './config/schema/generation.js';
export { evaluationSchema, type EvaluationFileConfig } from './config/schema/evaluation.js';
/** The package's own config/ folder, and the live registry names and algorithm needs the validation reads. */
export { defaultConfigDir } from './cli/config-args.js';
export { registryNames, algorithmNeeds } from './cli/registry-names.js';

// ---- Registries for advantage estimators and policy losses (the rest of the algorithm core: verl-ts/algos) --
export {
  registerAdvantageEstimator,
  getAdvantageEstimator,
  advantageEstimatorNames,
  advantageEstimatorNeeds,
  computeAdvantage,
  registerPolicyLoss,
  getPolicyLoss,
  policyLossNames,
  policyLossNeeds,
  computePolicyLoss,
  NO_ESTIMATOR_NEEDS,
  NO_POLICY_LOSS_NEEDS,
  type AdvantageEstimatorFn,
  type AdvantageInput,
  type AdvantageOutput,
  type AdvantageConfig,
  type PolicyLossFn,
  type PolicyLossInput,
  type PolicyLossConfig,
  type PolicyLossResult,
  type EstimatorNeeds,
  type PolicyLossNeeds,
  type RegisterOptions,
} from './algos/index.js';

// ---- Rewards: scorers, custom reward functions, reward managers -------------------------------------------
export * from './reward/index.js';

// ---- Data: Batch, datasets, loaders, table I/O, preprocessors ---------------------------------------------
export * from './data/index.js';

// ---- Models: Hugging Face checkpoints, tokenizers, compute, rollout -----------------------------------------
export * from './models/index.js';

// ---- Offline jobs: generate (main_generation), eval (main_eval), score --------------------------------------
export * from './trainer/jobs/index.js';

// ---- Training ------------------------------------------------------------------------------------------------
export { runTraining, formatSummary, fit, validate, processValidationMetrics, runNeedsOf, SIGNAL_EXIT_CODES } from './trainer/index.js';
export type { TrainIO, TrainingSummary, LoopPlan, LoopResult, LoopServices, ValidationResult, RunNeeds, TrainingContext } from './trainer/index.js';
export { runSft, SftTrainer, type SftResult, type SftRunIO } from './trainer/sft/trainer.js';
export * from './workers/index.js';
