/**
 * Start-up checks that span several keys (verl's validate_config and its config dataclasses' checks),
 * adapted to one process: verl's "per GPU" sizes equal the global ones here, so its GPU-count
 * divisibility rules always hold and are not repeated.
 */
import type { PpoTrainerConfig } from './ppo-trainer.js';
import type { ConfigIssue } from './validate.js';

export interface CheckResult {
  errors: ConfigIssue[];
  warnings: string[];
}

/**
 * What the checks read of the declarations advantage estimators and policy losses make when they register
 * (src/algos/needs.ts). The caller passes it in, so the config layer never imports the algorithms.
 */
export interface AlgorithmNeedsLookup {
  estimator(name: string): { values: boolean; groups: boolean; minSamplesPerPrompt: number };
  policyLoss(name: string): { rolloutLogProbs: boolean };
}

/** Whether the run needs a critic (verl: critic.enable if set, else whether the estimator uses values). */
export function needsCritic(cfg: PpoTrainerConfig, needs: AlgorithmNeedsLookup): boolean {
  return cfg.critic.enable ?? needs.estimator(cfg.algorithm.adv_estimator).values;
}

/** Whether the run needs a reference policy (a KL term in the loss or in the reward). */
export function needsReference(cfg: PpoTrainerConfig): boolean {
  return cfg.actor_rollout_ref.actor.use_kl_loss || cfg.algorithm.use_kl_in_reward;
}

export function checkPpoConfig(cfg: PpoTrainerConfig, needs: AlgorithmNeedsLookup): CheckResult {
  const errors: ConfigIssue[] = [];
  const warnings: string[] = [];
  const actor = cfg.actor_rollout_ref.actor;
  const rollout = cfg.actor_rollout_ref.rollout;
  const n = rollout.n;

  /** Exactly one of a deprecated global size and its `_per_gpu` successor must be set. */
  const exclusive = (section: string, param: string, mbs: number | null, perGpu: number | null, dynamicKey: string) => {
    const full = `${section}.${param}`;
    if (mbs === null && perGpu === null) {
      errors.push({
        key: `${full}_per_gpu`,
        message: `not set: give the number of trajectories per forward pass (or set ${dynamicKey}=true to pack by tokens).`,
      });
    } else if (mbs !== null && perGpu !== null) {
      errors.push({
        key: full,
        message: `both ${full} (deprecated) and ${full}_per_gpu are set; keep only ${full}_per_gpu (set ${full}=null).`,
      });
    }
  };

  /** A mini-batch of `mini` prompts holds mini * n trajectories, which must split into whole micro-batches. */
  const divisible = (section: string, mini: number, micro: number | null, microKey: string) => {
    if (micro === null) return;
    if ((mini * n) % micro !== 0) {
      errors.push({
        key: microKey,
        message: `${section}.ppo_mini_batch_size (${mini}) * rollout.n (${n}) = ${mini * n} trajectories per mini-batch is not divisible by the micro-batch size ${micro}.`,
      });
    }
  };

  if (!actor.use_dynamic_bsz) {
    exclusive('actor_rollout_ref.actor', 'ppo_micro_batch_size', actor.ppo_micro_batch_size, actor.ppo_micro_batch_size_per_gpu, 'actor_rollout_ref.actor.use_dynamic_bsz');
    if (cfg.data.train_batch_size < actor.ppo_mini_batch_size) {
      errors.push({
        key: 'actor_rollout_ref.actor.ppo_mini_batch_size',
        message: `data.train_batch_size (${cfg.data.train_batch_size}) must be >= actor_rollout_ref.actor.ppo_mini_batch_size (${actor.ppo_mini_batch_size}); both count prompts.`,
      });
    }
    const micro = actor.ppo_micro_batch_size_per_gpu ?? actor.ppo_micro_batch_size;
    divisible('actor_rollout_ref.actor', actor.ppo_mini_batch_size, micro,
      actor.ppo_micro_batch_size_per_gpu !== null ? 'actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu' : 'actor_rollout_ref.actor.ppo_micro_batch_size');
    if (needsReference(cfg)) {
      const ref = cfg.actor_rollout_ref.ref;
      exclusive('actor_rollout_ref.ref', 'log_prob_micro_batch_size', ref.log_prob_micro_batch_size, ref.log_prob_micro_batch_size_per_gpu, 'actor_rollout_ref.actor.use_dynamic_bsz');
    }
    if (!cfg.algorithm.rollout_correction.bypass_mode) {
      exclusive('actor_rollout_ref.rollout', 'log_prob_micro_batch_size', rollout.log_prob_micro_batch_size, rollout.log_prob_micro_batch_size_per_gpu, 'actor_rollout_ref.actor.use_dynamic_bsz');
    }
  }

  if (needsCritic(cfg, needs)) {
    const critic = cfg.critic;
    if (!critic.use_dynamic_bsz) {
      exclusive('critic', 'ppo_micro_batch_size', critic.ppo_micro_batch_size, critic.ppo_micro_batch_size_per_gpu, 'critic.use_dynamic_bsz');
      if (cfg.data.train_batch_size < critic.ppo_mini_batch_size) {
        errors.push({
          key: 'critic.ppo_mini_batch_size',
          message: `data.train_batch_size (${cfg.data.train_batch_size}) must be >= critic.ppo_mini_batch_size (${critic.ppo_mini_batch_size}); both count prompts.`,
        });
      }
      const micro = critic.ppo_micro_batch_size_per_gpu ?? critic.ppo_micro_batch_size;
      divisible('critic', critic.ppo_mini_batch_size, micro,
        critic.ppo_micro_batch_size_per_gpu !== null ? 'critic.ppo_micro_batch_size_per_gpu' : 'critic.ppo_micro_batch_size');
    }
    if (critic.model.path === null) {
      errors.push({ key: 'critic.model.path', message: 'the critic is on, so it needs a model checkpoint path.' });
    }
  }

  if (rollout.val_kwargs.do_sample && rollout.val_kwargs.temperature <= 0) {
    // verl tests rollout.temperature here; validation samples with val_kwargs.temperature, so that is the one checked.
    errors.push({
      key: 'actor_rollout_ref.rollout.val_kwargs.temperature',
      message: 'validation sampling (val_kwargs.do_sample=true) needs val_kwargs.temperature > 0.',
    });
  }
  if (rollout.do_sample && rollout.temperature <= 0) {
    errors.push({ key: 'actor_rollout_ref.rollout.temperature', message: 'sampling (rollout.do_sample=true) needs temperature > 0; use do_sample=false for greedy decoding.' });
  }

  const rc = cfg.algorithm.rollout_correction;
  if ((rc.bypass_mode || rc.rollout_is !== null || rc.rollout_rs !== null) && !rollout.calculate_log_probs) {
    errors.push({
      key: 'actor_rollout_ref.rollout.calculate_log_probs',
      message: 'algorithm.rollout_correction (bypass_mode, rollout_is or rollout_rs) needs the rollout log-probs: set actor_rollout_ref.rollout.calculate_log_probs=true.',
    });
  }

  const estimator = cfg.algorithm.adv_estimator;
  const estimatorNeeds = needs.estimator(estimator);
  if (n < estimatorNeeds.minSamplesPerPrompt) {
    errors.push({
      key: 'actor_rollout_ref.rollout.n',
      message: `${estimator} needs at least ${estimatorNeeds.minSamplesPerPrompt} samples per prompt (rollout.n >= ${estimatorNeeds.minSamplesPerPrompt}).`,
    });
  } else if (estimatorNeeds.groups && n < 2) {
    warnings.push(`algorithm.adv_estimator=${estimator} compares samples of the same prompt, but actor_rollout_ref.rollout.n is 1: every group has one member.`);
  }
  const lossMode = actor.policy_loss.loss_mode;
  if (needs.policyLoss(lossMode).rolloutLogProbs && !rollout.calculate_log_probs) {
    errors.push({
      key: 'actor_rollout_ref.rollout.calculate_log_probs',
      message: `policy loss '${lossMode}' uses the rollout's own log-probs: set actor_rollout_ref.rollout.calculate_log_probs=true.`,
    });
  }

  if (cfg.algorithm.filter_groups.enable && cfg.algorithm.filter_groups.metric === null) {
    errors.push({ key: 'algorithm.filter_groups.metric', message: 'dynamic sampling (filter_groups.enable=true) needs a metric: acc, score, seq_reward or seq_final_reward.' });
  }

  if (cfg.trainer.resume_mode === 'resume_path') {
    const p = cfg.trainer.resume_from_path;
    if (p === null || !p.includes('global_step_')) {
      errors.push({ key: 'trainer.resume_from_path', message: `resume_mode=resume_path needs a checkpoint folder named like .../global_step_N, got ${p === null ? 'null' : `'${p}'`}.` });
    }
  }

  if (cfg.algorithm.use_kl_in_reward && actor.use_kl_loss) {
    warnings.push('NOTICE: both the in-reward KL penalty (algorithm.use_kl_in_reward) and the KL loss (actor.use_kl_loss) are on.');
  }
  if (cfg.data.val_batch_size !== null) {
    warnings.push('data.val_batch_size is deprecated in verl; verl-ts still splits validation into batches of that size.');
  }
  return { errors, warnings };
}
