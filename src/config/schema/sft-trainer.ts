/** Schema of config/sft_trainer.yaml (`verl-ts sft`, verl's fsdp_sft_trainer). */
import { s } from './dsl.js';
import type { Infer } from './dsl.js';
import { filesSchema, nullablePositiveInt, positiveInt } from './sections.js';

const dictKeys = s.nullable(s.list(s.string({ minLength: 1 }), { description: 'keys looked up in turn inside the cell' }));

export const sftTrainerSchema = s.object({
  data: s.object({
    train_batch_size: positiveInt('rows per optimizer step'),
    micro_batch_size_per_gpu: positiveInt('rows per forward/backward pass'),
    train_files: filesSchema,
    val_files: s.nullable(filesSchema),
    train_max_samples: s.integer({ minimum: -1 }),
    val_max_samples: s.integer({ minimum: -1 }),
    prompt_key: s.string({ minLength: 1 }),
    response_key: s.string({ minLength: 1 }),
    prompt_dict_keys: dictKeys,
    response_dict_keys: dictKeys,
    max_length: s.integer({ minimum: 2, description: 'tokens per row' }),
    truncation: s.enum(['error', 'left', 'right']),
    apply_chat_template_kwargs: s.record(s.unknown()),
  }),
  model: s.object({
    partial_pretrain: s.string({ minLength: 1, description: 'HF checkpoint directory' }),
    enable_gradient_checkpointing: s.boolean(),
  }),
  optim: s.object({
    lr: s.number({ minimum: 0 }),
    betas: s.list(s.number({ minimum: 0, exclusiveMaximum: 1 }), { minItems: 2, maxItems: 2 }),
    weight_decay: s.number({ minimum: 0 }),
    lr_warmup_steps_ratio: s.number({ minimum: 0, maximum: 1 }),
    clip_grad: s.number({ exclusiveMinimum: 0 }),
    lr_scheduler: s.enum(['cosine']),
  }),
  trainer: s.object({
    default_local_dir: s.string({ minLength: 1 }),
    project_name: s.string({ minLength: 1 }),
    experiment_name: s.string({ minLength: 1 }),
    total_epochs: positiveInt('passes over the data'),
    total_training_steps: nullablePositiveInt('step limit'),
    logger: s.list(s.enum(['console', 'file', 'tensorboard'])),
    seed: s.integer({ minimum: 0 }),
    save_freq: s.integer({ minimum: -1 }),
    test_freq: s.integer({ minimum: -1 }),
    max_ckpt_to_keep: nullablePositiveInt('checkpoints kept'),
    resume_mode: s.enum(['auto', 'disable', 'resume_path']),
    resume_from_path: s.nullable(s.string({ minLength: 1 })),
    intra_op_num_threads: nullablePositiveInt('threads per operator'),
  }),
});

export type SftTrainerConfig = Infer<typeof sftTrainerSchema>;
