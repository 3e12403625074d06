/** Schema of config/generation.yaml (`verl-ts generate`, verl's main_generation). */
import { s } from './dsl.js';
import type { Infer } from './dsl.js';
import { nullablePositiveInt, positiveInt } from './sections.js';

export const generationSchema = s.object({
  data: s.object({
    path: s.string({ minLength: 1, description: 'prompts file' }),
    prompt_key: s.string({ minLength: 1 }),
    n_samples: positiveInt('responses per prompt'),
    output_path: s.string({ minLength: 1, description: 'output file' }),
    batch_size: positiveInt('prompts processed together'),
    truncation: s.enum(['error', 'left', 'right', 'middle']),
    apply_chat_template_kwargs: s.record(s.unknown()),
  }),
  model: s.object({
    path: s.string({ minLength: 1, description: 'HF checkpoint directory' }),
  }),
  rollout: s.object({
    name: s.enum(['ort'], { description: 'rollout engine' }),
    temperature: s.number({ minimum: 0 }),
    top_k: s.integer({ minimum: -1, description: 'top-k; -1 or 0 disables' }),
    top_p: s.number({ exclusiveMinimum: 0, maximum: 1 }),
    prompt_length: positiveInt('prompt length'),
    response_length: positiveInt('response length'),
    ignore_eos: s.boolean(),
    do_sample: s.boolean(),
    max_num_seqs: positiveInt('sequences decoded together'),
    seed: s.integer({ minimum: 0 }),
  }),
  trainer: s.object({
    device: s.enum(['cpu', 'cuda']),
    intra_op_num_threads: nullablePositiveInt('threads per operator'),
  }),
});

export type GenerationFileConfig = Infer<typeof generationSchema>;
