/**
 * Load a Hugging Face model directory: config.json → ModelSpec, safetensors weights (single or sharded)
 * checked against the spec and converted to float32, the tokenizer when the directory has one, and the
 * generation config.
 */
import { InputError } from '../../util/errors.js';
import { readModelConfig, type ModelSpec } from '../hf/config.js';
import { readGenerationConfig, type GenerationConfig } from '../hf/generation-config.js';
import { SCORE_WEIGHT, type ModelHead } from '../hf/tensors.js';
import { loadWeights, type WeightStore } from '../hf/weights.js';
import { CheckpointFiles } from '../safetensors/checkpoint-files.js';
import type { SafetensorsDtype } from '../safetensors/dtypes.js';
import { hasTokenizer, loadTokenizer } from '../tokenizer/load.js';
import type { SavableTokenizer } from '../tokenizer/types.js';

export interface LoadedModel {
  dir: string;
  spec: ModelSpec;
  weights: WeightStore;
  /** Storage dtype of each tensor in the checkpoint (what 'keep the checkpoint dtype' saves back). */
  sourceDtypes: Map<string, SafetensorsDtype>;
  /** Safetensors files read, relative to dir. */
  files: string[];
  tokenizer: SavableTokenizer | null;
  generationConfig: GenerationConfig;
}

export interface LoadModelOptions {
  /** 'auto' (default): load one if present; 'required': error without one; 'none': skip. */
  tokenizer?: 'auto' | 'required' | 'none';
  /** Passed to loadTokenizer (verl pads with eos when there is no pad token; default true). */
  padWithEos?: boolean;
  /** The head the checkpoint must have (default 'causal-lm'; see checkpointHead). */
  head?: ModelHead;
}

/** Which head a checkpoint directory holds: a saved critic has `score.weight`, a causal LM does not. */
export function checkpointHead(dir: string): ModelHead {
  const ckpt = CheckpointFiles.open(dir);
  try {
    return ckpt.tensors.has(SCORE_WEIGHT) ? 'token-classification' : 'causal-lm';
  } finally {
    ckpt.close();
  }
}

export function loadModelDir(dir: string, options: LoadModelOptions = {}): LoadedModel {
  const spec = readModelConfig(dir);
  const mode = options.tokenizer ?? 'auto';
  let tokenizer: SavableTokenizer | null = null;
  if (mode === 'required' || (mode === 'auto' && hasTokenizer(dir))) {
    tokenizer = loadTokenizer(dir, { padWithEos: options.padWithEos });
    if (tokenizer.vocabSize > spec.vocabSize) {
      throw new InputError(
        `${dir}: the tokenizer has ${tokenizer.vocabSize} tokens but config.json's vocab_size is ${spec.vocabSize}; ` +
          `token ids past the embedding table would crash the model`,
      );
    }
  }
  const { weights, sourceDtypes, files } = loadWeights(dir, spec, { head: options.head });
  return { dir, spec, weights, sourceDtypes, files, tokenizer, generationConfig: readGenerationConfig(dir, spec) };
}
