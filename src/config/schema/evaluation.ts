/** Schema of config/evaluation.yaml (`verl-ts eval`, verl's main_eval). */
import { s } from './dsl.js';
import type { Infer } from './dsl.js';
import { customRewardFunctionSchema, filesSchema, positiveInt } from './sections.js';

export const evaluationSchema = s.object({
  data: s.object({
    path: filesSchema,
    prompt_key: s.string({ minLength: 1 }),
    response_key: s.string({ minLength: 1 }),
    data_source_key: s.string({ minLength: 1 }),
    reward_model_key: s.string({ minLength: 1 }),
    output_path: s.nullable(s.string({ minLength: 1 })),
  }),
  custom_reward_function: customRewardFunctionSchema,
  max_concurrency: positiveInt('async reward calls in flight'),
  pass_threshold: s.number({ description: 'score at which a response without acc passes' }),
});

export type EvaluationFileConfig = Infer<typeof evaluationSchema>;
