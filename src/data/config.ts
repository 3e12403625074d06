/**
 * The `data` section of verl's ppo_trainer.yaml as a typed object. Keys keep verl's meaning; fields are
 * camelCase. `dataConfigFromVerl` maps a composed (snake_case) `data` section onto it, with verl's YAML
 * defaults for absent keys and a ConfigError naming the key for a value of the wrong type.
 */
import { ConfigError } from '../util/errors.js';

export type Truncation = 'error' | 'left' | 'right' | 'middle';
export const TRUNCATIONS: readonly Truncation[] = ['error', 'left', 'right', 'middle'];

export interface DataConfig {
  /** data.train_files */
  trainFiles: string[];
  /** data.val_files */
  valFiles: string[];
  /** data.prompt_key (default "prompt") */
  promptKey: string;
  /** data.reward_fn_key (default "data_source") */
  rewardFnKey: string;
  /** data.max_prompt_length (default 512) */
  maxPromptLength: number;
  /** data.max_response_length (default 512) */
  maxResponseLength: number;
  /** data.train_batch_size (default 1024) */
  trainBatchSize: number;
  /** data.gen_batch_size; null → train_batch_size */
  genBatchSize: number | null;
  /** data.val_batch_size; null → the whole validation set in one batch */
  valBatchSize: number | null;
  /** data.return_raw_chat (default true) */
  returnRawChat: boolean;
  /** data.return_full_prompt (default false) */
  returnFullPrompt: boolean;
  /** data.shuffle (default true) */
  shuffle: boolean;
  /** data.seed; null → 1 (verl-ts keeps runs reproducible; verl leaves the generator unseeded) */
  seed: number | null;
  /** data.validation_shuffle (default false) */
  validationShuffle: boolean;
  /** data.filter_overlong_prompts (default false) */
  filterOverlongPrompts: boolean;
  /** data.truncation (default "error") */
  truncation: Truncation;
  /** data.train_max_samples (default -1 = all) */
  trainMaxSamples: number;
  /** data.val_max_samples (default -1 = all) */
  valMaxSamples: number;
  /** data.apply_chat_template_kwargs (default {}) */
  applyChatTemplateKwargs: Record<string, unknown>;
}

export const DATA_CONFIG_DEFAULTS: DataConfig = {
  trainFiles: [],
  valFiles: [],
  promptKey: 'prompt',
  rewardFnKey: 'data_source',
  maxPromptLength: 512,
  maxResponseLength: 512,
  trainBatchSize: 1024,
  genBatchSize: null,
  valBatchSize: null,
  returnRawChat: true,
  returnFullPrompt: false,
  shuffle: true,
  seed: null,
  validationShuffle: false,
  filterOverlongPrompts: false,
  truncation: 'error',
  trainMaxSamples: -1,
  valMaxSamples: -1,
  applyChatTemplateKwargs: {},
};

/** The seed verl-ts uses when data.seed is null. */
export const DEFAULT_DATA_SEED = 1;

function show(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : JSON.stringify(v) ?? String(v);
}

/** A string or a list of strings → list (verl accepts both for train_files / val_files). */
export function fileList(v: unknown, key: string): string[] {
  if (v === null || v === undefined) return [];
  if (typeof v === 'string') return v === '' ? [] : [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return [...(v as string[])];
  throw new ConfigError(`${key}: expected a file path or a list of file paths, got ${show(v)}`);
}

const int = (v: unknown, key: string, opts: { min?: number; nullable?: boolean } = {}): number | null => {
  if (v === null && opts.nullable) return null;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ConfigError(`${key}: expected an integer${opts.nullable ? ' or null' : ''}, got ${show(v)}`);
  if (opts.min !== undefined && v < opts.min) throw new ConfigError(`${key}: must be ≥ ${opts.min}, got ${v}`);
  return v;
};
const bool = (v: unknown, key: string): boolean => {
  if (typeof v !== 'boolean') throw new ConfigError(`${key}: expected true or false, got ${show(v)}`);
  return v;
};
const str = (v: unknown, key: string): string => {
  if (typeof v !== 'string' || v === '') throw new ConfigError(`${key}: expected a non-empty string, got ${show(v)}`);
  return v;
};

/** Map a composed verl `data` section (snake_case keys) onto DataConfig. Keys it does not use are ignored. */
export function dataConfigFromVerl(section: Record<string, unknown>, prefix = 'data'): DataConfig {
  const d = DATA_CONFIG_DEFAULTS;
  const get = (k: string) => section[k];
  const has = (k: string) => section[k] !== undefined;
  const key = (k: string) => `${prefix}.${k}`;
  const truncation = has('truncation') ? get('truncation') : d.truncation;
  if (!TRUNCATIONS.includes(truncation as Truncation)) {
    throw new ConfigError(`${key('truncation')}: expected one of ${TRUNCATIONS.join(', ')}, got ${show(truncation)}`);
  }
  const kwargs = has('apply_chat_template_kwargs') ? get('apply_chat_template_kwargs') : {};
  if (kwargs === null || typeof kwargs !== 'object' || Array.isArray(kwargs)) {
    throw new ConfigError(`${key('apply_chat_template_kwargs')}: expected a mapping, got ${show(kwargs)}`);
  }
  return {
    trainFiles: fileList(get('train_files'), key('train_files')),
    valFiles: fileList(get('val_files'), key('val_files')),
    promptKey: has('prompt_key') ? str(get('prompt_key'), key('prompt_key')) : d.promptKey,
    rewardFnKey: has('reward_fn_key') ? str(get('reward_fn_key'), key('reward_fn_key')) : d.rewardFnKey,
    maxPromptLength: has('max_prompt_length') ? (int(get('max_prompt_length'), key('max_prompt_length'), { min: 1 }) as number) : d.maxPromptLength,
    maxResponseLength: has('max_response_length') ? (int(get('max_response_length'), key('max_response_length'), { min: 1 }) as number) : d.maxResponseLength,
    trainBatchSize: has('train_batch_size') ? (int(get('train_batch_size'), key('train_batch_size'), { min: 1 }) as number) : d.trainBatchSize,
    genBatchSize: has('gen_batch_size') ? int(get('gen_batch_size'), key('gen_batch_size'), { min: 1, nullable: true }) : d.genBatchSize,
    valBatchSize: has('val_batch_size') ? int(get('val_batch_size'), key('val_batch_size'), { min: 1, nullable: true }) : d.valBatchSize,
    returnRawChat: has('return_raw_chat') ? bool(get('return_raw_chat'), key('return_raw_chat')) : d.returnRawChat,
    returnFullPrompt: has('return_full_prompt') ? bool(get('return_full_prompt'), key('return_full_prompt')) : d.returnFullPrompt,
    shuffle: has('shuffle') ? bool(get('shuffle'), key('shuffle')) : d.shuffle,
    seed: has('seed') ? int(get('seed'), key('seed'), { nullable: true }) : d.seed,
    validationShuffle: has('validation_shuffle') ? bool(get('validation_shuffle'), key('validation_shuffle')) : d.validationShuffle,
    filterOverlongPrompts: has('filter_overlong_prompts') ? bool(get('filter_overlong_prompts'), key('filter_overlong_prompts')) : d.filterOverlongPrompts,
    truncation: truncation as Truncation,
    trainMaxSamples: has('train_max_samples') ? (int(get('train_max_samples'), key('train_max_samples')) as number) : d.trainMaxSamples,
    valMaxSamples: has('val_max_samples') ? (int(get('val_max_samples'), key('val_max_samples')) as number) : d.valMaxSamples,
    applyChatTemplateKwargs: { ...(kwargs as Record<string, unknown>) },
  };
}
