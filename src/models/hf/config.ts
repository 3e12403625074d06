/**
 * Parse a Hugging Face `config.json` (transformers 4 or 5 layout) into a normalised, typed ModelSpec:
 * everything the compute graphs, weight loader and random initialiser need, with HF's defaults applied and
 * anything verl-ts does not implement refused with an error that names the option.
 */
import { readJsonObject } from '../../util/json-file.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../util/errors.js';
import { didYouMean } from '../../util/suggest.js';
import type { TorchFloatDtype } from '../safetensors/dtypes.js';
import { architectureForModelType, registeredArchitectures, type ArchitectureBiases, type LayerType } from './architectures.js';
import { parseRope, type RopeSpec } from './rope.js';

export interface ModelSpec {
  /** HF class name, e.g. 'Qwen2ForCausalLM'. */
  architecture: string;
  /** HF model_type, e.g. 'qwen2'. */
  modelType: string;
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  numKeyValueHeads: number;
  headDim: number;
  maxPositionEmbeddings: number;
  rmsNormEps: number;
  hiddenAct: 'silu';
  rope: RopeSpec;
  /** Which linear layers have a bias: q/k/v projections, o projection, the three MLP projections. */
  biases: ArchitectureBiases;
  /** Qwen3: RMSNorm over head_dim on q and k (q_norm / k_norm) before RoPE. */
  qkNorm: boolean;
  /** No lm_head.weight: the output projection is model.embed_tokens.weight. */
  tieWordEmbeddings: boolean;
  /** dtype the checkpoint declares (`dtype` or `torch_dtype`; float32 when absent). */
  torchDtype: TorchFloatDtype;
  bosTokenId: number | null;
  /** eos_token_id of config.json as a list (int or list in the file). */
  eosTokenIds: number[];
  padTokenId: number | null;
  initializerRange: number;
  /** Sliding-window size for layers whose type is 'sliding_attention'; null when no layer uses one. */
  slidingWindow: number | null;
  layerTypes: LayerType[];
  /** config.json exactly as read (what a saved checkpoint writes back, with dtype updated). */
  rawConfig: Readonly<Record<string, unknown>>;
}

type Json = Record<string, unknown>;

export interface ParseConfigOptions {
  /** Words for error messages, normally the config.json path. */
  where?: string;
}

/** Read and parse `<dir>/config.json`. */
export function readModelConfig(dir: string): ModelSpec {
  const path = join(dir, 'config.json');
  if (!existsSync(path)) throw new InputError(`${dir}: no config.json in the model directory`);
  return parseHfConfig(readJsonObject(path) as Json, { where: path });
}

export function parseHfConfig(config: Json, options: ParseConfigOptions = {}): ModelSpec {
  const where = options.where ?? 'config.json';
  const fail = (msg: string): never => {
    throw new InputError(`${where}: ${msg}`);
  };
  const arch = resolveArchitecture(config, fail);
  // HF fills keys the file omits from the config class; an explicit null keeps HF's own null handling below.
  const c: Json = { ...arch.defaults };
  for (const [k, v] of Object.entries(config)) c[k] = v;

  const posInt = (key: string): number => {
    const v = c[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) fail(`'${key}' must be a positive integer, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const positive = (key: string): number => {
    const v = c[key];
    if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) fail(`'${key}' must be a positive number, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const tokenId = (key: string): number | null => {
    const v = c[key];
    if (v === null || v === undefined) return null;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(`'${key}' must be a non-negative integer or null, got ${JSON.stringify(v)}`);
    return v as number;
  };

  const hiddenSize = posInt('hidden_size');
  const numHeads = posInt('num_attention_heads');
  const numLayers = posInt('num_hidden_layers');
  if (c.num_key_value_heads === null || c.num_key_value_heads === undefined) c.num_key_value_heads = numHeads;
  const numKvHeads = posInt('num_key_value_heads');
  if (numHeads % numKvHeads !== 0) fail(`num_attention_heads (${numHeads}) must be a multiple of num_key_value_heads (${numKvHeads})`);

  let headDim: number;
  const explicitHeadDim = c.head_dim;
  if (explicitHeadDim !== undefined && explicitHeadDim !== null) {
    headDim = posInt('head_dim');
  } else if (explicitHeadDim === undefined && typeof arch.headDimDefault === 'number') {
    headDim = arch.headDimDefault;
  } else {
    if (hiddenSize % numHeads !== 0) fail(`hidden_size (${hiddenSize}) is not a multiple of num_attention_heads (${numHeads}) and no head_dim is given`);
    headDim = hiddenSize / numHeads;
  }

  const act = c.hidden_act;
  if (act !== 'silu' && act !== 'swish') fail(`hidden_act ${JSON.stringify(act)} is not supported by verl-ts (only 'silu')`);
  const dropout = c.attention_dropout;
  if (dropout !== null && dropout !== undefined && dropout !== 0) {
    fail(`attention_dropout=${JSON.stringify(dropout)} is not supported by verl-ts (attention dropout is not implemented; set it to 0.0)`);
  }
  if (c.quantization_config !== undefined && c.quantization_config !== null) {
    fail(`quantized checkpoints ('quantization_config') are not supported by verl-ts; use an unquantized F32/BF16/F16 checkpoint`);
  }

  const maxPos = posInt('max_position_embeddings');
  const { window, types } = arch.layerTypes(c, numLayers);
  if (types.length !== numLayers) fail(`'layer_types' has ${types.length} entries but num_hidden_layers is ${numLayers}`);
  for (const t of types) {
    if (t !== 'full_attention' && t !== 'sliding_attention') fail(`layer type ${JSON.stringify(t)} in 'layer_types' is not supported (only full_attention, sliding_attention)`);
  }
  if (window !== null && (!Number.isSafeInteger(window) || window <= 0)) fail(`'sliding_window' must be a positive integer or null, got ${JSON.stringify(window)}`);

  const rope = parseRope(c, { where, headDim, maxPositionEmbeddings: maxPos, layerTypes: types });

  const eos = c.eos_token_id;
  let eosTokenIds: number[] = [];
  if (Array.isArray(eos)) {
    if (!eos.every((x) => Number.isSafeInteger(x) && (x as number) >= 0)) fail(`'eos_token_id' must be an integer, a list of integers or null, got ${JSON.stringify(eos)}`);
    eosTokenIds = eos as number[];
  } else {
    const single = tokenId('eos_token_id');
    if (single !== null) eosTokenIds = [single];
  }

  const tie = c.tie_word_embeddings;
  if (typeof tie !== 'boolean') fail(`'tie_word_embeddings' must be true or false, got ${JSON.stringify(tie)}`);

  return {
    architecture: arch.name,
    modelType: arch.modelType,
    vocabSize: posInt('vocab_size'),
    hiddenSize,
    intermediateSize: posInt('intermediate_size'),
    numHiddenLayers: numLayers,
    numAttentionHeads: numHeads,
    numKeyValueHeads: numKvHeads,
    headDim,
    maxPositionEmbeddings: maxPos,
    rmsNormEps: positive('rms_norm_eps'),
    hiddenAct: 'silu',
    rope,
    biases: arch.biases(c),
    qkNorm: arch.qkNorm,
    tieWordEmbeddings: tie as boolean,
    torchDtype: parseTorchDtype(config, fail),
    bosTokenId: tokenId('bos_token_id'),
    eosTokenIds,
    padTokenId: tokenId('pad_token_id'),
    initializerRange: c.initializer_range === null ? 0.02 : positiveOrZero(c.initializer_range, 'initializer_range', fail),
    slidingWindow: window,
    layerTypes: types,
    rawConfig: config,
  };
}

function positiveOrZero(v: unknown, key: string, fail: (msg: string) => never): number {
  if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) fail(`'${key}' must be a non-negative number, got ${JSON.stringify(v)}`);
  return v as number;
}

function resolveArchitecture(config: Json, fail: (msg: string) => never) {
  const supported = registeredArchitectures();
  const archList = Array.isArray(config.architectures) ? (config.architectures as unknown[]).filter((a): a is string => typeof a === 'string') : [];
  const modelType = config.model_type;
  // transformers picks the model class from model_type; `architectures` only records what was saved.
  if (typeof modelType === 'string') {
    const def = architectureForModelType(modelType);
    if (def) return def;
    const names = supported.map((a) => a.modelType);
    fail(
      `model_type '${modelType}'${archList.length ? ` (architectures: ${archList.join(', ')})` : ''} is not supported by verl-ts. ` +
        `Supported: ${supported.map((a) => `${a.modelType} (${a.name})`).join(', ')}.${didYouMean(modelType, names)}`,
    );
  }
  for (const name of archList) {
    const def = supported.find((a) => a.name === name);
    if (def) return def;
  }
  const names = supported.map((a) => a.name);
  return fail(
    archList.length
      ? `architecture '${archList[0]}' is not supported by verl-ts. Supported: ${names.join(', ')}.${didYouMean(archList[0], names)}`
      : `no 'model_type' or 'architectures' key, so the architecture is unknown. Supported: ${names.join(', ')}.`,
  );
}

const TORCH_DTYPE_NAMES: Record<string, TorchFloatDtype> = {
  float32: 'float32', 'torch.float32': 'float32', float: 'float32',
  bfloat16: 'bfloat16', 'torch.bfloat16': 'bfloat16',
  float16: 'float16', 'torch.float16': 'float16', half: 'float16',
};

function parseTorchDtype(config: Json, fail: (msg: string) => never): TorchFloatDtype {
  const v = config.dtype ?? config.torch_dtype;
  if (v === undefined || v === null || v === 'auto') return 'float32';
  if (typeof v !== 'string' || !(v in TORCH_DTYPE_NAMES)) {
    fail(`dtype ${JSON.stringify(v)} is not supported (use float32, bfloat16 or float16)${typeof v === 'string' ? didYouMean(v, Object.keys(TORCH_DTYPE_NAMES)) : ''}`);
  }
  return TORCH_DTYPE_NAMES[v as string];
}

/**
 * Refuse sequence lengths that need an attention variant verl-ts does not implement: sliding-window layers
 * behave exactly like full attention while the sequence fits in the window, so only longer ones are refused.
 * Call with the longest prompt + response length a run can produce.
 */
/**
 * A sequence longer than max_position_embeddings runs into positions the model never saw (and vLLM, verl's
 * rollout engine, refuses such lengths); `what` names where the length comes from.
 */
export function checkPositionLimit(spec: ModelSpec, length: number, what: string): void {
  if (length > spec.maxPositionEmbeddings) {
    throw new InputError(`${what} is ${length} tokens, beyond the model's max_position_embeddings (${spec.maxPositionEmbeddings})`);
  }
}

export function checkSequenceLength(spec: ModelSpec, length: number): void {
  if (spec.slidingWindow !== null && length > spec.slidingWindow) {
    throw new InputError(
      `sequences of up to ${length} tokens exceed the sliding window (${spec.slidingWindow}) of this ${spec.architecture} config; ` +
        `verl-ts implements full attention only, which equals sliding-window attention within the window. ` +
        `Keep prompt + response length <= ${spec.slidingWindow}, or set "sliding_window": null in config.json if the model was trained without one.`,
    );
  }
}
