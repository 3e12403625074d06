/** Config sections shared by several primary configs (trainer, evaluation, generation). */
import { s } from './dsl.js';
import type { Infer } from './dsl.js';

export const positiveInt = (description?: string) => s.integer({ minimum: 1, ...(description ? { description } : {}) });
export const nullablePositiveInt = (description?: string) => s.nullable(positiveInt(description));

/** One file path or a non-empty list of them (verl accepts both for data files). */
export const filesSchema = s.union(s.string({ minLength: 1 }), s.list(s.string({ minLength: 1 }), { minItems: 1 }));

/** custom_reward_function: the user's scoring function and how its failures are handled. */
export const customRewardFunctionSchema = s.object({
  path: s.nullable(s.string({ minLength: 1 })),
  name: s.string({ minLength: 1 }),
  reward_kwargs: s.record(s.unknown()),
  on_error: s.enum(['raise', 'zero'], { description: 'a failing call stops the run (raise) or scores 0 (zero)' }),
  timeout_s: s.nullable(s.number({ exclusiveMinimum: 0, description: 'seconds one call may take' })),
});

export const dataSchema = s.object({
  tokenizer: s.nullable(s.string()),
  train_files: filesSchema,
  val_files: s.nullable(filesSchema),
  train_max_samples: s.integer({ minimum: -1 }),
  val_max_samples: s.integer({ minimum: -1 }),
  prompt_key: s.string({ minLength: 1 }),
  reward_fn_key: s.string({ minLength: 1 }),
  max_prompt_length: positiveInt('prompt token limit'),
  max_response_length: positiveInt('response token limit'),
  train_batch_size: positiveInt('prompts per step'),
  gen_batch_size: nullablePositiveInt('prompts per generation batch'),
  val_batch_size: nullablePositiveInt('[deprecated] validation batch size'),
  return_raw_chat: s.boolean(),
  return_full_prompt: s.boolean(),
  shuffle: s.boolean(),
  seed: s.nullable(s.integer()),
  validation_shuffle: s.boolean(),
  filter_overlong_prompts: s.boolean(),
  truncation: s.enum(['error', 'left', 'right', 'middle']),
  apply_chat_template_kwargs: s.record(s.unknown()),
});

export const rewardModelSchema = s.object({
  reward_manager: s.registryName('rewardManagers', { description: 'reward manager' }),
  reward_kwargs: s.record(s.unknown()),
  overlong_buffer: s.object({
    enable: s.boolean(),
    len: s.integer({ minimum: 0 }),
    penalty_factor: s.number({ minimum: 0 }),
    log: s.boolean(),
  }),
});

export type CustomRewardFunctionSection = Infer<typeof customRewardFunctionSchema>;
export type DataSection = Infer<typeof dataSchema>;
export type RewardModelSection = Infer<typeof rewardModelSchema>;
