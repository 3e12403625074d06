/**
 * The `data` section of verl's ppo_trainer.yaml as the data layer's typed options. Keys keep verl's meaning;
 * fields are camelCase. `dataConfigFromSection` maps a composed and schema-validated section onto it.
 */
import type { DataSection } from '../config/schema/sections.js';

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

/** A string or a list of strings → list (verl accepts both for train_files / val_files). */
export function fileList(v: string | readonly string[] | null): string[] {
  if (v === null) return [];
  return typeof v === 'string' ? [v] : [...v];
}

/** Map the validated `data` section of a composed config onto DataConfig. */
export function dataConfigFromSection(section: DataSection): DataConfig {
  return {
    trainFiles: fileList(section.train_files),
    valFiles: fileList(section.val_files),
    promptKey: section.prompt_key,
    rewardFnKey: section.reward_fn_key,
    maxPromptLength: section.max_prompt_length,
    maxResponseLength: section.max_response_length,
    trainBatchSize: section.train_batch_size,
    genBatchSize: section.gen_batch_size,
    valBatchSize: section.val_batch_size,
    returnRawChat: section.return_raw_chat,
    returnFullPrompt: section.return_full_prompt,
    shuffle: section.shuffle,
    seed: section.seed,
    validationShuffle: section.validation_shuffle,
    filterOverlongPrompts: section.filter_overlong_prompts,
    truncation: section.truncation,
    trainMaxSamples: section.train_max_samples,
    valMaxSamples: section.val_max_samples,
    applyChatTemplateKwargs: { ...section.apply_chat_template_kwargs },
  };
}
