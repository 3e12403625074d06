/** Public API of verl-ts rewards: rule-based scorers, custom reward functions, reward managers. */
export type {
  BatchComputeScoreFn,
  ComputeScoreFn,
  DenseScore,
  ExtraInfo,
  OnScoreError,
  ScoreDict,
  ScorePolicy,
  ScoreResult,
} from './types.js';
export { DEFAULT_SCORE_POLICY } from './types.js';
export { RewardError } from './errors.js';
export { normaliseScore } from './score-result.js';
export type { NormalisedScore } from './score-result.js';
export { defaultComputeScore, findScorer, knownDataSources, registerScorer } from './default-score.js';
export type { ScorerEntry } from './default-score.js';
export { gsm8kScore, extractGsm8kSolution } from './scorers/gsm8k.js';
export type { Gsm8kMethod, Gsm8kParams } from './scorers/gsm8k.js';
export { isEquiv, mathScore, stripString } from './scorers/math.js';
export { lastBoxedOnlyString, removeBoxed } from '../tasks/boxed-answer.js';
export { isCorrectMinerva, isCorrectStrictBox, mathDapoScore, normalizeFinalAnswer } from './scorers/math-dapo.js';
export type { MathDapoParams, MathDapoResult } from './scorers/math-dapo.js';
export {
  countdownScore,
  evaluateCountdownEquation,
  extractCountdownEquation,
  validateCountdownEquation,
} from './scorers/countdown.js';
export type { CountdownGroundTruth, CountdownParams } from './scorers/countdown.js';
export { evalPythonArithmetic } from './scorers/python-arith.js';
export { digitCompletionScore } from './scorers/digit-completion.js';
export { digitCompletionAnswer, parseDigitPrompt } from '../tasks/digit-completion.js';
export { DEFAULT_SCORING_FUNCTION, invokeScoringFunction, loadCustomRewardFunction } from './scoring-function.js';
export type { CustomRewardFunctionConfig, ScoringFunction } from './scoring-function.js';
export { mapLimit, scoreBatchCall, scoreSample } from './invoke.js';
export type { SampleCall, ScoreOutcome } from './invoke.js';
export { createRewardManager, getRewardManagerFactory, registerRewardManager, rewardManagerNames } from './managers/registry.js';
export { overlongPenalty } from './managers/dapo.js';
export { PRIME_DEFAULT_CONCURRENCY, PRIME_DEFAULT_TIMEOUT_S } from './managers/prime.js';
export type {
  OverlongBufferConfig,
  RewardManager,
  RewardManagerFactory,
  RewardManagerOptions,
  RewardOutput,
} from './managers/types.js';
export { loadRewardManager, rewardConfigFromSections } from './from-config.js';
export type { RewardSections } from './from-config.js';
export type { RewardConfig } from './from-config.js';
