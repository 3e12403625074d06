/**
 * verl's _create_dataloader: the train loader (gen_batch_size or train_batch_size prompts, sampler shuffled by
 * data.seed when data.shuffle, drop_last) and the validation loader (val_batch_size or the whole set,
 * data.validation_shuffle, keeps the last batch).
 */
import type { Tokenizer } from './tokenizer.js';
import { collatePrompts } from './collate.js';
import type { DataConfig } from './config.js';
import { DEFAULT_DATA_SEED } from './config.js';
import { StatefulDataLoader } from './dataloader.js';
import { RLDataset } from './dataset.js';
import type { DatasetOptions, LoadOptions, PromptSample } from './dataset.js';

export interface RLDataLoaders {
  trainDataset: RLDataset;
  valDataset: RLDataset;
  train: StatefulDataLoader<PromptSample>;
  val: StatefulDataLoader<PromptSample>;
}

export function datasetOptions(cfg: DataConfig, split: 'train' | 'val'): DatasetOptions {
  return {
    promptKey: cfg.promptKey,
    maxPromptLength: cfg.maxPromptLength,
    truncation: cfg.truncation,
    filterOverlongPrompts: cfg.filterOverlongPrompts,
    returnRawChat: cfg.returnRawChat,
    returnFullPrompt: cfg.returnFullPrompt,
    applyChatTemplateKwargs: cfg.applyChatTemplateKwargs,
    shuffle: cfg.shuffle,
    seed: cfg.seed,
    maxSamples: split === 'train' ? cfg.trainMaxSamples : cfg.valMaxSamples,
  };
}

export async function createRLDataLoaders(cfg: DataConfig, tokenizer: Tokenizer, load: Omit<LoadOptions, 'what'> = {}): Promise<RLDataLoaders> {
  const trainDataset = await RLDataset.load(cfg.trainFiles, tokenizer, datasetOptions(cfg, 'train'), { ...load, what: 'data.train_files' });
  const valDataset = await RLDataset.load(cfg.valFiles, tokenizer, datasetOptions(cfg, 'val'), { ...load, what: 'data.val_files' });
  const seed = cfg.seed ?? DEFAULT_DATA_SEED;
  const train = new StatefulDataLoader(trainDataset, {
    batchSize: cfg.genBatchSize ?? cfg.trainBatchSize,
    shuffle: cfg.shuffle,
    seed,
    dropLast: true,
    collate: collatePrompts,
    name: 'train dataloader (data.train_files, data.train_batch_size)',
  });
  const val = new StatefulDataLoader(valDataset, {
    batchSize: cfg.valBatchSize ?? valDataset.length,
    shuffle: cfg.validationShuffle,
    seed,
    dropLast: false,
    collate: collatePrompts,
    name: 'validation dataloader (data.val_files, data.val_batch_size)',
  });
  return { trainDataset, valDataset, train, val };
}
