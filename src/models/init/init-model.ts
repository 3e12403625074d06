/**
 * `verl-ts init-model`, the counterpart of verl's scripts/init_random_model.py: a randomly initialised model
 * from an HF config (a base model's config.json, or a small preset per architecture) updated with the keys of
 * a new config, plus a tokenizer (the base model's, one copied from a path, or a character tokenizer),
 * written as an HF checkpoint directory.
 */
import { readJsonObject } from '../../util/json-file.js';
import { constants as bufferConstants } from 'node:buffer';
import { existsSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../util/errors.js';
import { checkOutputDir } from '../../util/fs-check.js';
import { createProgress, type ProgressStream } from '../../util/progress.js';
import { didYouMean } from '../../util/suggest.js';
import { saveModelDir, type SaveDtype, type SavedModel } from '../checkpoint/save.js';
import type { WeightStore } from '../hf/weights.js';
import { registeredArchitectures } from '../hf/architectures.js';
import { parseHfConfig, type ModelSpec } from '../hf/config.js';
import { readGenerationConfigFile } from '../hf/generation-config.js';
import { expectedTensors, parameterCount } from '../hf/tensors.js';
import { CharTokenizer } from '../tokenizer/char-tokenizer.js';
import { hasTokenizer, loadTokenizer } from '../tokenizer/load.js';
import type { SavableTokenizer } from '../tokenizer/types.js';
import { initRandomWeights } from './random-init.js';

/** The characters of verl's digit-completion task, the default for character tokenizers. */
export const DEFAULT_CHARS = '0123456789,:';

export type InitTokenizerSource =
  | { kind: 'char'; chars?: string }
  /** A model directory, tokenizer.json or tokenizer_config.json. */
  | { kind: 'path'; path: string };

export interface InitModelOptions {
  outputDir: string;
  /** verl's --hf_model_path: start from this model's config.json (and its tokenizer). */
  baseModelDir?: string;
  /** Without a base model: the preset architecture (model_type), default 'llama'. */
  modelType?: string;
  /** verl's --new_config_path content (and --set pairs): keys that replace the base config's. */
  overrides?: Record<string, unknown>;
  /** Default: the base model's tokenizer when it has one, else a character tokenizer over DEFAULT_CHARS. */
  tokenizer?: InitTokenizerSource;
  seed?: number;
  dtype?: SaveDtype;
  /** Replace an existing output directory (verl leaves an existing one alone; we refuse unless asked). */
  overwrite?: boolean;
  /** Receives warnings (unknown override keys), like verl's warnings.warn. */
  warn?: (message: string) => void;
  /** Where the progress of initialising and writing the weights is reported; none by default. */
  progress?: ProgressStream;
}

export interface InitModelResult {
  dir: string;
  spec: ModelSpec;
  parameters: number;
  tokenizerKind: 'hf' | 'char';
  files: string[];
}

/** Small configs per architecture (transformers-4 layout, readable by transformers 4 and 5). */
export function presetConfig(modelType: string): Record<string, unknown> {
  const common = {
    hidden_size: 64, intermediate_size: 128, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2,
    max_position_embeddings: 2048, rms_norm_eps: 1e-6, hidden_act: 'silu', initializer_range: 0.02, attention_dropout: 0.0,
    rope_scaling: null, use_cache: true, vocab_size: 32000, bos_token_id: null, eos_token_id: null, pad_token_id: null,
  };
  switch (modelType) {
    case 'llama':
      return { architectures: ['LlamaForCausalLM'], model_type: 'llama', ...common, rope_theta: 10000.0, tie_word_embeddings: false, attention_bias: false, mlp_bias: false };
    case 'qwen2':
      return { architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', ...common, rope_theta: 1000000.0, tie_word_embeddings: true, use_sliding_window: false, sliding_window: null, max_window_layers: 2 };
    case 'qwen3':
      return { architectures: ['Qwen3ForCausalLM'], model_type: 'qwen3', ...common, head_dim: 16, rope_theta: 1000000.0, tie_word_embeddings: true, attention_bias: false, use_sliding_window: false, sliding_window: null, max_window_layers: 2 };
    case 'mistral':
      return { architectures: ['MistralForCausalLM'], model_type: 'mistral', ...common, rope_theta: 1000000.0, tie_word_embeddings: false, sliding_window: null };
    default: {
      const known = registeredArchitectures().map((a) => a.modelType);
      throw new InputError(`no preset for model_type '${modelType}'. Presets: ${known.join(', ')}.${didYouMean(modelType, known)}`);
    }
  }
}

function readJsonFile(path: string, what: string): Record<string, unknown> {
  if (!existsSync(path)) throw new InputError(`${what} not found: '${path}'`);
  return readJsonObject(path);
}

const GIB = 1024 ** 3;

/**
 * The random weights are built in memory as float32: refuse a config whose tensors cannot be allocated, with the
 * sizes that decide it, instead of failing deep inside with "Invalid typed array length".
 */
function checkModelFits(spec: ModelSpec): void {
  const sizes = `(hidden_size ${spec.hiddenSize}, intermediate_size ${spec.intermediateSize}, vocab_size ${spec.vocabSize}, num_hidden_layers ${spec.numHiddenLayers})`;
  const maxValues = Math.floor(bufferConstants.MAX_LENGTH / 4);
  for (const t of expectedTensors(spec)) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n > maxValues) {
      throw new InputError(
        `tensor '${t.name}' [${t.shape.join(', ')}] would hold ${n.toLocaleString('en-US')} values, more than one tensor can hold ` +
          `(${maxValues.toLocaleString('en-US')}); choose smaller sizes ${sizes}`,
      );
    }
  }
  const bytes = parameterCount(spec) * 4;
  if (bytes > totalmem()) {
    throw new InputError(
      `the model would have ${parameterCount(spec).toLocaleString('en-US')} parameters (${(bytes / GIB).toFixed(1)} GiB as float32), ` +
        `more than this machine's memory (${(totalmem() / GIB).toFixed(1)} GiB); choose smaller sizes ${sizes}`,
    );
  }
}

/** Read verl's --new_config_path file. */
export function readConfigOverrides(path: string): Record<string, unknown> {
  return readJsonFile(path, 'new config');
}

export async function initModel(options: InitModelOptions): Promise<InitModelResult> {
  const warn = options.warn ?? (() => undefined);
  if (existsSync(options.outputDir) && !options.overwrite) {
    throw new InputError(`output path '${options.outputDir}' already exists; choose another or pass --overwrite to replace it`);
  }
  checkOutputDir(options.outputDir, 'output path');
  const base = options.baseModelDir
    ? readJsonFile(join(options.baseModelDir, 'config.json'), 'base model config.json')
    : presetConfig(options.modelType ?? 'llama');
  if (options.baseModelDir && options.modelType && base.model_type !== options.modelType) {
    throw new InputError(`--model_type ${options.modelType} does not match the base model's model_type '${String(base.model_type)}'`);
  }
  const overrides = options.overrides ?? {};
  // verl's check_configs: the architecture may not change, unknown keys may not take effect.
  if (overrides.model_type !== undefined && overrides.model_type !== null && overrides.model_type !== base.model_type) {
    throw new InputError(`Model types do not match: the new config has model_type '${String(overrides.model_type)}', the base config '${String(base.model_type)}'`);
  }
  for (const key of Object.keys(overrides)) {
    if (!(key in base)) warn(`Key '${key}' in new config does not exist in original config, may not take effect.`);
  }
  const config: Record<string, unknown> = { ...base, ...overrides };

  const baseHasTokenizer = options.baseModelDir !== undefined && hasTokenizer(options.baseModelDir);
  const source: InitTokenizerSource | 'base' = options.tokenizer ?? (baseHasTokenizer ? 'base' : { kind: 'char' });
  let tokenizer: SavableTokenizer;
  if (source === 'base') tokenizer = loadTokenizer(options.baseModelDir as string);
  else if (source.kind === 'char') {
    if (source.chars === '') throw new InputError(`a character tokenizer needs at least one character (--chars is empty); for example --chars "${DEFAULT_CHARS}"`);
    tokenizer = CharTokenizer.fromCharacters(source.chars ?? DEFAULT_CHARS);
  }
  else tokenizer = loadTokenizer(source.path);

  // A tokenizer other than the base model's own decides the vocabulary and special ids, unless the new config does.
  if (source !== 'base') {
    const fromTokenizer: Record<string, unknown> = {
      vocab_size: tokenizer.vocabSize,
      bos_token_id: tokenizer.bosTokenId,
      eos_token_id: tokenizer.eosTokenIds.length === 1 ? tokenizer.eosTokenIds[0] : [...tokenizer.eosTokenIds],
      pad_token_id: tokenizer.padTokenId,
    };
    for (const [k, v] of Object.entries(fromTokenizer)) if (!(k in overrides)) config[k] = v;
  }
  const spec = parseHfConfig(config, { where: 'new model config' });
  if (spec.vocabSize < tokenizer.vocabSize) {
    throw new InputError(`vocab_size ${spec.vocabSize} is smaller than the tokenizer's ${tokenizer.vocabSize} tokens; raise vocab_size or leave it unset`);
  }
  checkModelFits(spec);
  const total = parameterCount(spec);
  const stream = options.progress ?? { write: () => undefined };
  const initProgress = createProgress({ label: 'initialise', total, unit: 'params', stream });
  let weights: WeightStore;
  try {
    weights = initRandomWeights(spec, options.seed ?? 0, 'causal-lm', (n) => initProgress.tick(n));
  } finally {
    initProgress.stop('');
  }
  const baseGeneration = source === 'base' ? readGenerationConfigFile(options.baseModelDir as string, spec) : null;
  const writeProgress = createProgress({ label: 'write', total, unit: 'params', stream });
  let saved: SavedModel;
  try {
    saved = await saveModelDir(options.outputDir, {
      config: spec,
      weights,
      dtype: options.dtype ?? 'float32',
      tokenizer,
      generationConfig: baseGeneration ?? undefined,
      onValues: (n) => writeProgress.tick(n),
    });
  } finally {
    writeProgress.stop('');
  }
  return { dir: saved.dir, spec, parameters: parameterCount(spec), tokenizerKind: tokenizer.kind, files: saved.files };
}
