/**
 * The one place that maps the validated trainer config onto the options of the algorithms, the workers and the
 * rollout: policy-loss and advantage settings, update plans (verl's batch semantics), micro-batching of the
 * scoring passes, and which extra passes the selected estimator and loss declared they need.
 */
import {
  advantageEstimatorNeeds,
  defaultPolicyLossConfig,
  policyLossNeeds,
  type AdvantageConfig,
  type EstimatorNeeds,
  type PolicyLossConfig,
  type RolloutCorrectionConfig,
} from '../algos/index.js';
import type { PpoTrainerConfig } from '../config/schema/ppo-trainer.js';
import type { MicroBatching, UpdatePlan } from '../workers/index.js';

/** The rollout-correction section as the algorithm core takes it; null when nothing is configured. */
export function rolloutCorrectionOf(cfg: PpoTrainerConfig): RolloutCorrectionConfig | null {
  const rc = cfg.algorithm.rollout_correction;
  if (!rc.bypass_mode && rc.rollout_is === null && rc.rollout_rs === null) return null;
  return {
    rolloutIs: rc.rollout_is,
    rolloutIsThreshold: rc.rollout_is_threshold,
    rolloutIsBatchNormalize: rc.rollout_is_batch_normalize,
    rolloutRs: rc.rollout_rs,
    rolloutRsThreshold: rc.rollout_rs_threshold,
    bypassMode: rc.bypass_mode,
    lossType: rc.loss_type,
  };
}

/** The policy loss that runs: bypass_mode replaces the configured one (verl's rollout-correction bypass). */
export function policyLossName(cfg: PpoTrainerConfig): string {
  return cfg.algorithm.rollout_correction.bypass_mode ? 'bypass_mode' : cfg.actor_rollout_ref.actor.policy_loss.loss_mode;
}

export function policyLossConfigOf(cfg: PpoTrainerConfig): PolicyLossConfig {
  const a = cfg.actor_rollout_ref.actor;
  return defaultPolicyLossConfig({
    lossAggMode: a.loss_agg_mode,
    clipRatio: a.clip_ratio,
    clipRatioLow: a.clip_ratio_low,
    clipRatioHigh: a.clip_ratio_high,
    clipRatioC: a.clip_ratio_c,
    tauPos: a.tau_pos,
    tauNeg: a.tau_neg,
    clipCovRatio: a.policy_loss.clip_cov_ratio,
    clipCovLb: a.policy_loss.clip_cov_lb,
    clipCovUb: a.policy_loss.clip_cov_ub,
    klCovRatio: a.policy_loss.kl_cov_ratio,
    ppoKlCoef: a.policy_loss.ppo_kl_coef ?? defaultPolicyLossConfig().ppoKlCoef,
    rolloutCorrection: rolloutCorrectionOf(cfg),
    global: a.loss_scale_factor === null ? {} : { lossScaleFactor: a.loss_scale_factor },
    actor: a as unknown as Readonly<Record<string, unknown>>,
    algorithm: cfg.algorithm as unknown as Readonly<Record<string, unknown>>,
  });
}

export function advantageConfigOf(cfg: PpoTrainerConfig): AdvantageConfig {
  return {
    gamma: cfg.algorithm.gamma,
    lam: cfg.algorithm.lam,
    normAdvByStdInGrpo: cfg.algorithm.norm_adv_by_std_in_grpo,
    algorithm: cfg.algorithm as unknown as Readonly<Record<string, unknown>>,
  };
}

/** Which optional passes and inputs this run needs, from the registries' declarations and the config. */
export interface RunNeeds {
  estimator: EstimatorNeeds;
  /** The policy loss trains on (chosen, rejected) pairs of each prompt's responses (online DPO). */
  preferencePairs: boolean;
  critic: boolean;
  reference: boolean;
  /** The rollout returns its own log-probs (rollout.calculate_log_probs, or a loss/correction that reads them). */
  rolloutLogProbs: boolean;
  /** Σπ² in the old-log-prob pass (declared by the estimator, or actor.calculate_sum_pi_squared). */
  sumPiSquared: boolean;
  /** Entropy in the training pass (an entropy bonus needs its gradient). */
  trainingEntropy: boolean;
  /** old_log_probs come from the rollout (bypass mode) instead of a scoring pass. */
  bypass: boolean;
  /**
   * The old-log-prob scoring pass runs. Skipped under verl's on-policy shortcut (one mini-batch, one epoch: the
   * ratio is exactly 1) when nothing else reads old log-probs (estimator, KL in reward, rollout correction, Σπ²);
   * actor/entropy then comes from the training pass.
   */
  oldLogProbPass: boolean;
}

export function runNeedsOf(cfg: PpoTrainerConfig): RunNeeds {
  const estimator = advantageEstimatorNeeds(cfg.algorithm.adv_estimator);
  const loss = policyLossNeeds(policyLossName(cfg));
  const actor = cfg.actor_rollout_ref.actor;
  const bypass = cfg.algorithm.rollout_correction.bypass_mode;
  const sumPiSquared = estimator.sumPiSquared || actor.calculate_sum_pi_squared;
  const readsOld = estimator.oldLogProbs || sumPiSquared || cfg.algorithm.use_kl_in_reward || rolloutCorrectionOf(cfg) !== null;
  const oldLogProbPass = !bypass && (readsOld || !isOnPolicy(cfg));
  return {
    estimator,
    preferencePairs: loss.preferencePairs,
    critic: cfg.critic.enable ?? estimator.values,
    reference: actor.use_kl_loss || cfg.algorithm.use_kl_in_reward || loss.referenceLogProbs,
    rolloutLogProbs: cfg.actor_rollout_ref.rollout.calculate_log_probs || loss.rolloutLogProbs,
    sumPiSquared,
    trainingEntropy: actor.entropy_coeff !== 0 || actor.calculate_entropy || (!oldLogProbPass && !bypass),
    bypass,
    oldLogProbPass,
  };
}

function microBatching(perGpu: number | null, legacy: number | null, dynamic: boolean, budget: number, fallback: number): MicroBatching {
  if (dynamic) return { tokenBudget: budget };
  return { rows: perGpu ?? legacy ?? fallback };
}

/** The `ppo_*` keys the actor and the critic share (verl's names). */
interface UpdateSection {
  ppo_mini_batch_size: number;
  ppo_micro_batch_size_per_gpu: number | null;
  ppo_micro_batch_size: number | null;
  use_dynamic_bsz: boolean;
  ppo_max_token_len_per_gpu: number;
  ppo_epochs: number;
  shuffle: boolean;
  data_loader_seed: number;
  grad_clip: number | null;
}

/** An update plan: mini-batches of ppo_mini_batch_size·n trajectories (verl normalises prompts to trajectories). */
function planOf(section: UpdateSection, n: number, key: string): UpdatePlan {
  const mini = section.ppo_mini_batch_size * n;
  return {
    miniBatchRows: mini,
    microBatching: microBatching(section.ppo_micro_batch_size_per_gpu, section.ppo_micro_batch_size, section.use_dynamic_bsz, section.ppo_max_token_len_per_gpu, mini),
    epochs: section.ppo_epochs,
    shuffle: section.shuffle,
    seed: section.data_loader_seed,
    gradClip: section.grad_clip,
    budgetKey: `${key}.ppo_max_token_len_per_gpu`,
  };
}

/** The actor's plan; a pair loss trains on one (chosen, rejected) pair per prompt, kept together. */
export function actorPlan(cfg: PpoTrainerConfig, needs: Pick<RunNeeds, 'preferencePairs'>): UpdatePlan {
  if (needs.preferencePairs) return { ...planOf(cfg.actor_rollout_ref.actor, 2, 'actor_rollout_ref.actor'), rowsPerUnit: 2 };
  return planOf(cfg.actor_rollout_ref.actor, cfg.actor_rollout_ref.rollout.n, 'actor_rollout_ref.actor');
}

export function criticPlan(cfg: PpoTrainerConfig): UpdatePlan {
  return planOf(cfg.critic, cfg.actor_rollout_ref.rollout.n, 'critic');
}

/** verl's on-policy shortcut: one mini-batch and one epoch, so old log-probs equal the current ones (ratio 1). */
export function isOnPolicy(cfg: PpoTrainerConfig): boolean {
  const a = cfg.actor_rollout_ref.actor;
  return a.ppo_epochs === 1 && a.ppo_mini_batch_size >= cfg.data.train_batch_size;
}

export function oldLogProbBatching(cfg: PpoTrainerConfig): MicroBatching {
  const r = cfg.actor_rollout_ref.rollout;
  const dynamic = r.log_prob_use_dynamic_bsz || cfg.actor_rollout_ref.actor.use_dynamic_bsz;
  return microBatching(r.log_prob_micro_batch_size_per_gpu, r.log_prob_micro_batch_size, dynamic, r.log_prob_max_token_len_per_gpu, Number.MAX_SAFE_INTEGER);
}

export function refLogProbBatching(cfg: PpoTrainerConfig): MicroBatching {
  const r = cfg.actor_rollout_ref.ref;
  const dynamic = r.log_prob_use_dynamic_bsz || cfg.actor_rollout_ref.actor.use_dynamic_bsz;
  return microBatching(r.log_prob_micro_batch_size_per_gpu, r.log_prob_micro_batch_size, dynamic, r.log_prob_max_token_len_per_gpu, Number.MAX_SAFE_INTEGER);
}

export function criticForwardBatching(cfg: PpoTrainerConfig): MicroBatching {
  const c = cfg.critic;
  const legacyOrTrain = c.forward_micro_batch_size ?? c.ppo_micro_batch_size_per_gpu ?? c.ppo_micro_batch_size;
  return microBatching(c.forward_micro_batch_size_per_gpu, legacyOrTrain, c.use_dynamic_bsz, c.forward_max_token_len_per_gpu, Number.MAX_SAFE_INTEGER);
}
