/**
 * Schema of the PPO-family trainer config (config/ppo_trainer.yaml after composition). The TypeScript type
 * `PpoTrainerConfig` is inferred from it. Descriptions are short; the YAML files carry the full comments.
 */
import { s } from './dsl.js';
import type { Infer } from './dsl.js';
import { customRewardFunctionSchema, dataSchema, nullablePositiveInt, positiveInt, rewardModelSchema } from './sections.js';

const probability = (description: string) => s.number({ minimum: 0, maximum: 1, description });

const klEstimator = (description: string) => s.registryName('klEstimators', { description });

const optimSchema = s.object({
  lr: s.number({ minimum: 0, description: 'peak learning rate' }),
  lr_warmup_steps_ratio: probability('warmup as a fraction of total steps'),
  total_training_steps: s.integer({ minimum: -1, description: 'schedule length; -1 = filled in by the trainer' }),
  weight_decay: s.number({ minimum: 0, description: 'decoupled weight decay' }),
  lr_warmup_steps: s.nullable(s.integer({ description: 'warmup steps; negative or null defers to the ratio' })),
  betas: s.list(s.number({ minimum: 0, exclusiveMaximum: 1 }), { minItems: 2, maxItems: 2, description: 'Adam betas' }),
  eps: s.number({ exclusiveMinimum: 0, description: 'Adam epsilon' }),
  min_lr_ratio: probability('cosine floor as a fraction of lr'),
  num_cycles: s.number({ minimum: 0, description: 'cosine cycles' }),
  lr_scheduler_type: s.enum(['constant', 'cosine'], { description: 'schedule after warmup' }),
});

const checkpointContents = s.list(s.enum(['model', 'optimizer', 'extra', 'hf_model']));
const checkpointSchema = s.object({
  save_contents: checkpointContents,
  load_contents: checkpointContents,
});

const logProbMicroBatch = {
  log_prob_micro_batch_size: nullablePositiveInt('[deprecated] global log-prob micro-batch size'),
  log_prob_micro_batch_size_per_gpu: nullablePositiveInt('log-prob micro-batch size'),
  log_prob_use_dynamic_bsz: s.boolean(),
  log_prob_max_token_len_per_gpu: positiveInt('token budget of a log-prob micro-batch'),
};

const actorSchema = s.object({
  optim: optimSchema,
  rollout_n: positiveInt('samples per prompt (mirrors rollout.n)'),
  ppo_mini_batch_size: positiveInt('prompts per optimizer step'),
  ppo_micro_batch_size: nullablePositiveInt('[deprecated] global micro-batch size'),
  ppo_micro_batch_size_per_gpu: nullablePositiveInt('trajectories per forward/backward pass'),
  use_dynamic_bsz: s.boolean(),
  ppo_max_token_len_per_gpu: positiveInt('token budget of a micro-batch'),
  clip_ratio: s.number({ minimum: 0 }),
  clip_ratio_low: s.nullable(s.number({ minimum: 0 })),
  clip_ratio_high: s.nullable(s.number({ minimum: 0 })),
  tau_pos: s.number({ exclusiveMinimum: 0 }),
  tau_neg: s.number({ exclusiveMinimum: 0 }),
  policy_loss: s.object({
    loss_mode: s.registryName('policyLosses', { description: 'policy loss' }),
    clip_cov_ratio: probability('clip_cov token fraction'),
    clip_cov_lb: s.number(),
    clip_cov_ub: s.number(),
    kl_cov_ratio: probability('kl_cov token fraction'),
    ppo_kl_coef: s.nullable(s.number({ minimum: 0 })),
  }),
  clip_ratio_c: s.number({ exclusiveMinimum: 1, description: 'dual-clip constant, > 1' }),
  loss_agg_mode: s.registryName('lossAggModes', { description: 'loss aggregation' }),
  loss_scale_factor: s.nullable(s.number({ exclusiveMinimum: 0 })),
  entropy_coeff: s.number(),
  calculate_entropy: s.boolean(),
  use_kl_loss: s.boolean(),
  kl_loss_coef: s.number({ minimum: 0 }),
  kl_loss_type: klEstimator('KL estimator of the loss term'),
  ppo_epochs: positiveInt('passes over each batch'),
  shuffle: s.boolean(),
  data_loader_seed: s.integer(),
  grad_clip: s.nullable(s.number({ exclusiveMinimum: 0 })),
  calculate_sum_pi_squared: s.boolean(),
  dpo_beta: s.number({ exclusiveMinimum: 0, description: 'online DPO beta' }),
  sppo_eta: s.number({ description: 'SPPO eta' }),
  checkpoint: checkpointSchema,
});

const refSchema = s.object({ rollout_n: positiveInt('samples per prompt'), ...logProbMicroBatch });

const samplingKeys = {
  top_k: s.integer({ minimum: -1, description: 'top-k; -1 or 0 disables' }),
  top_p: s.number({ exclusiveMinimum: 0, maximum: 1 }),
  temperature: s.number({ minimum: 0 }),
  n: positiveInt('responses per prompt'),
  do_sample: s.boolean(),
};

const rolloutSchema = s.object({
  name: s.enum(['ort'], { description: 'rollout engine' }),
  temperature: s.number({ minimum: 0 }),
  top_k: samplingKeys.top_k,
  top_p: samplingKeys.top_p,
  prompt_length: positiveInt('prompt length'),
  response_length: positiveInt('response length'),
  ignore_eos: s.boolean(),
  do_sample: s.boolean(),
  n: positiveInt('responses per prompt'),
  max_num_seqs: positiveInt('sequences decoded together'),
  seed: s.integer({ minimum: 0 }),
  calculate_log_probs: s.boolean(),
  ...logProbMicroBatch,
  val_kwargs: s.object(samplingKeys),
});

const modelSchema = s.object({
  path: s.string({ minLength: 1, description: 'HF checkpoint directory' }),
  tokenizer_path: s.nullable(s.string()),
  custom_chat_template: s.nullable(s.string()),
  override_config: s.record(s.unknown()),
  enable_gradient_checkpointing: s.boolean(),
});

const criticSchema = s.object({
  optim: optimSchema,
  rollout_n: positiveInt('samples per prompt'),
  enable: s.nullable(s.boolean()),
  model: s.object({
    path: s.nullable(s.string({ minLength: 1 })),
    tokenizer_path: s.nullable(s.string()),
    override_config: s.record(s.unknown()),
    enable_gradient_checkpointing: s.boolean(),
  }),
  ppo_mini_batch_size: positiveInt('prompts per critic step'),
  ppo_micro_batch_size: nullablePositiveInt('[deprecated] global micro-batch size'),
  ppo_micro_batch_size_per_gpu: nullablePositiveInt('trajectories per critic pass'),
  forward_micro_batch_size: nullablePositiveInt('[deprecated] value forward micro-batch'),
  forward_micro_batch_size_per_gpu: nullablePositiveInt('value forward micro-batch'),
  use_dynamic_bsz: s.boolean(),
  ppo_max_token_len_per_gpu: positiveInt('token budget'),
  forward_max_token_len_per_gpu: positiveInt('token budget'),
  ppo_epochs: positiveInt('passes over each batch'),
  shuffle: s.boolean(),
  data_loader_seed: s.integer(),
  cliprange_value: s.number({ minimum: 0 }),
  loss_agg_mode: s.registryName('lossAggModes'),
  grad_clip: s.nullable(s.number({ exclusiveMinimum: 0 })),
  checkpoint: checkpointSchema,
});

const rolloutCorrectionSchema = s.object({
  rollout_is: s.nullable(s.enum(['token', 'sequence'])),
  rollout_is_threshold: s.nullable(s.number({ exclusiveMinimum: 0 })),
  rollout_rs: s.nullable(s.string({ minLength: 1 })),
  rollout_rs_threshold: s.nullable(s.union(s.number(), s.string())),
  bypass_mode: s.boolean(),
  loss_type: s.enum(['ppo_clip', 'reinforce']),
  rollout_is_batch_normalize: s.boolean(),
});

const algorithmSchema = s.object({
  rollout_correction: rolloutCorrectionSchema,
  gamma: s.number({ minimum: 0, maximum: 1 }),
  lam: s.number({ minimum: 0, maximum: 1 }),
  adv_estimator: s.registryName('advantageEstimators', { description: 'advantage estimator' }),
  norm_adv_by_std_in_grpo: s.boolean(),
  use_kl_in_reward: s.boolean(),
  kl_penalty: klEstimator('KL estimator of the in-reward penalty'),
  kl_ctrl: s.object({
    type: s.enum(['fixed', 'adaptive']),
    kl_coef: s.number({ minimum: 0 }),
    horizon: s.number({ exclusiveMinimum: 0 }),
    target_kl: s.number({ minimum: 0 }),
  }),
  use_pf_ppo: s.boolean(),
  pf_ppo: s.object({
    reweight_method: s.enum(['pow', 'max_min', 'max_random']),
    weight_pow: s.number(),
  }),
  filter_groups: s.object({
    enable: s.boolean(),
    metric: s.nullable(s.string({ minLength: 1 })),
    max_num_gen_batches: s.integer({ minimum: 0 }),
  }),
  dpo_loss_type: s.enum(['sigmoid', 'ipo'], { description: 'online DPO loss' }),
  dpo_label_smoothing: probability('online DPO label smoothing'),
  dpo_reference_free: s.boolean(),
  sppo_eta: s.number({ minimum: 0, description: 'SPPO soft-mean beta' }),
});

const trainerSchema = s.object({
  balance_batch: s.boolean(),
  total_epochs: positiveInt('passes over the data'),
  total_training_steps: nullablePositiveInt('step limit'),
  project_name: s.string({ minLength: 1 }),
  experiment_name: s.string({ minLength: 1 }),
  logger: s.list(s.enum(['console', 'file', 'tensorboard'])),
  log_val_generations: s.integer({ minimum: 0 }),
  rollout_data_dir: s.nullable(s.string()),
  validation_data_dir: s.nullable(s.string()),
  save_freq: s.integer({ minimum: -1 }),
  resume_mode: s.enum(['auto', 'disable', 'resume_path']),
  resume_from_path: s.nullable(s.string()),
  val_before_train: s.boolean(),
  val_only: s.boolean(),
  test_freq: s.integer({ minimum: -1 }),
  critic_warmup: s.integer({ minimum: 0 }),
  ref_update_freq: s.integer({ minimum: 0, description: 'copy actor weights into the reference every k steps (0 = never)' }),
  del_local_ckpt_after_load: s.boolean(),
  default_local_dir: s.string({ minLength: 1 }),
  max_actor_ckpt_to_keep: nullablePositiveInt('actor checkpoints kept'),
  max_critic_ckpt_to_keep: nullablePositiveInt('critic checkpoints kept'),
  device: s.enum(['cpu', 'cuda']),
  intra_op_num_threads: nullablePositiveInt('threads per operator'),
});

export const ppoTrainerSchema = s.object({
  actor_rollout_ref: s.object({
    actor: actorSchema,
    ref: refSchema,
    rollout: rolloutSchema,
    model: modelSchema,
  }),
  critic: criticSchema,
  data: dataSchema,
  reward_model: rewardModelSchema,
  algorithm: algorithmSchema,
  plugins: s.list(s.string({ minLength: 1 })),
  custom_reward_function: customRewardFunctionSchema,
  trainer: trainerSchema,
});

export type PpoTrainerConfig = Infer<typeof ppoTrainerSchema>;
export type ActorConfig = PpoTrainerConfig['actor_rollout_ref']['actor'];
export type RolloutConfig = PpoTrainerConfig['actor_rollout_ref']['rollout'];
export type CriticConfig = PpoTrainerConfig['critic'];
export type AlgorithmConfig = PpoTrainerConfig['algorithm'];
export type TrainerConfig = PpoTrainerConfig['trainer'];
export type OptimConfig = ActorConfig['optim'];
