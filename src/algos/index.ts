/**
 * verl-ts algorithm core: every verl advantage estimator, policy loss, KL estimator, value loss, entropy
 * bonus and online-DPO loss, in float64 with exact gradients. Pure TypeScript; no model, no ORT.
 * User extensions: registerAdvantageEstimator / registerPolicyLoss (see docs/algorithms.md).
 */
export type { Mat } from './mat.js';
export { zeros, zerosLike, matOf, fromRows, toRows, cloneMat, mapMat, rowSums, assertSameShape } from './mat.js';
export {
  MASKED_MEAN_EPS,
  maskedSum,
  maskedMean,
  maskedVar,
  maskedWhiten,
  maskedRowSums,
  maskedRowMeans,
  maskSum,
  maskRowSums,
} from './masked.js';
export type { LossResult } from './loss-result.js';
export { Registry } from './registry.js';
export type { RegistryOptions, RegisterOptions } from './registry.js';
export type { EstimatorNeeds, PolicyLossNeeds } from './needs.js';
export { NO_ESTIMATOR_NEEDS, NO_POLICY_LOSS_NEEDS } from './needs.js';
export type { AggResult, GlobalBatchInfo, LossAggMode } from './agg-loss.js';
export { aggLoss, LOSS_AGG_MODES, lossAggModeNames, isLossAggMode, checkLossAggMode } from './agg-loss.js';
export * from './advantage/index.js';
export * from './policy-loss/index.js';
export type { KlController, KlControlConfig, KlPenaltyBatch } from './kl.js';
export {
  klPenalty,
  klPenaltyNames,
  checkKlType,
  computeKlLoss,
  computeRewards,
  applyKlPenalty,
  FixedKlController,
  AdaptiveKlController,
  createKlController,
  defaultKlControlConfig,
  KL_CONTROLLER_TYPES,
} from './kl.js';
export type { ValueLossConfig, ValueLossInput } from './value-loss.js';
export { computeValueLoss } from './value-loss.js';
export type { Logits } from './entropy.js';
export { logitsOf, entropyFromLogits, sumPiSquaredFromLogits, aggregateEntropy, computeEntropyLoss } from './entropy.js';
export { PF_PPO_REWEIGHT_METHODS, pfPpoWeights, pfPpoResampleIndices, multinomialWithReplacement, takeRows } from './pf-ppo.js';
export type { DpoLossConfig, DpoLossInput, DpoPair } from './dpo.js';
export { DPO_LOSS_TYPES, computeOnlineDpoPreference, formDpoPairs, computeOnlineDpoLoss, dpoRewardMetrics } from './dpo.js';
export type { AggregationType } from './metrics.js';
export { AGGREGATION_TYPES, Metric, reduceMetrics } from './metrics.js';
