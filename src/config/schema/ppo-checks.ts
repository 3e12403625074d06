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
  estimator(name: string): { values: boolean; groups: boolean; minSamplesPerPrompt: number; sumPiSquared: boolean };
  policyLoss(name: string): { rolloutLogProbs: boolean; referenceLogProbs: boolean; preferencePairs: boolean };
}

/** The policy loss that runs: bypass_mode replaces the configured one (verl's rollout-correction bypass). */
export function activeLossMode(cfg: PpoTrainerConfig): string {
  return cfg.algorithm.rollout_correction.bypass_mode ? 'bypass_mode' : cfg.actor_rollout_ref.actor.policy_loss.loss_mode;
}

/** Whether the run needs a critic (verl: critic.enable if set, else whether the estimator uses values). */
export function needsCritic(cfg: PpoTrainerConfig, needs: AlgorithmNeedsLookup): boolean {
  return cfg.critic.enable ?? needs.estimator(cfg.algorithm.adv_estimator).values;
}

/** Whether the run needs a reference policy (a KL term in the loss or in the reward, or a loss that reads it). */
export function needsReference(cfg: PpoTrainerConfig, needs: AlgorithmNeedsLookup): boolean {
  return cfg.actor_rollout_ref.actor.use_kl_loss || cfg.algorithm.use_kl_in_reward || needs.policyLoss(activeLossMode(cfg)).referenceLogProbs;
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
  const divisible = (section: string, mini: number, micro: number | null, microKey: string, perPrompt = n) => {
    if (micro === null) return;
    if ((mini * perPrompt) % micro !== 0) {
      const rows = perPrompt === n ? `rollout.n (${n})` : `${perPrompt} (one chosen/rejected pair per prompt)`;
      errors.push({
        key: microKey,
        message: `${section}.ppo_mini_batch_size (${mini}) * ${rows} = ${mini * perPrompt} trajectories per mini-batch is not divisible by the micro-batch size ${micro}.`,
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
      actor.ppo_micro_batch_size_per_gpu !== null ? 'actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu' : 'actor_rollout_ref.actor.ppo_micro_batch_size',
      needs.policyLoss(activeLossMode(cfg)).preferencePairs ? 2 : n);
    if (needsReference(cfg, needs)) {
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
  if (cfg.algorithm.filter_groups.enable && cfg.algorithm.filter_groups.metric === 'seq_final_reward' && cfg.algorithm.use_kl_in_reward) {
    errors.push({
      key: 'algorithm.filter_groups.metric',
      message: 'seq_final_reward with use_kl_in_reward=true is not supported: verl-ts applies the in-reward KL penalty after filtering. Filter on seq_reward, acc or score.',
    });
  }
  checkRecipeCombinations(cfg, needs, errors, warnings);

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

/** Combinations of the recipes' settings that cannot work (online DPO pairs, OTB's Σπ², the reference update). */
function checkRecipeCombinations(cfg: PpoTrainerConfig, needs: AlgorithmNeedsLookup, errors: ConfigIssue[], warnings: string[]): void {
  const actor = cfg.actor_rollout_ref.actor;
  const rollout = cfg.actor_rollout_ref.rollout;
  const lossMode = activeLossMode(cfg);
  if (needs.policyLoss(lossMode).preferencePairs) {
    if (rollout.n < 2) {
      errors.push({ key: 'actor_rollout_ref.rollout.n', message: `policy loss '${lossMode}' trains on pairs of responses to the same prompt: set rollout.n >= 2 (SPIN uses 2), got ${rollout.n}.` });
    }
    if (needsCritic(cfg, needs)) {
      errors.push({
        key: 'critic.enable',
        message: `policy loss '${lossMode}' trains no critic, but adv_estimator=${cfg.algorithm.adv_estimator} (or critic.enable) turns one on: choose an estimator without values (e.g. grpo) or set critic.enable=false.`,
      });
    }
    if (actor.use_dynamic_bsz) {
      errors.push({ key: 'actor_rollout_ref.actor.use_dynamic_bsz', message: `policy loss '${lossMode}' keeps (chosen, rejected) rows together, which token packing cannot promise: set use_dynamic_bsz=false.` });
    }
    const micro = actor.ppo_micro_batch_size_per_gpu ?? actor.ppo_micro_batch_size;
    if (micro !== null && micro % 2 !== 0) {
      errors.push({ key: 'actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu', message: `policy loss '${lossMode}' needs an even micro-batch size (rows come as chosen/rejected pairs), got ${micro}.` });
    }
  }
  if (needs.estimator(cfg.algorithm.adv_estimator).sumPiSquared && cfg.algorithm.rollout_correction.bypass_mode) {
    errors.push({
      key: 'algorithm.rollout_correction.bypass_mode',
      message: `adv_estimator=${cfg.algorithm.adv_estimator} needs Σπ² from the actor's old-log-prob pass, which bypass_mode skips (it uses the rollout's log-probs): turn bypass_mode off or choose another estimator.`,
    });
  }
  if (cfg.trainer.ref_update_freq > 0 && !needsReference(cfg, needs)) {
    warnings.push('trainer.ref_update_freq is set, but this run has no reference model (no KL term, no online DPO): it does nothing.');
  }
}
