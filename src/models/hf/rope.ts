/**
 * Rotary-embedding parameters and inverse frequencies, computed exactly as Hugging Face transformers does in
 * float32 (`modeling_rope_utils.py` and each model's `compute_default_rope_parameters`). Every tensor
 * operation of the reference is mirrored with `Math.fround` at the same points, so `invFreq` matches the
 * `inv_freq` buffer transformers builds bit for bit, with one exception: torch's vectorised float32 `pow`
 * (SLEEF, accurate to 1 ulp) is not always correctly rounded, while ours is, so about 1 element in 130 can
 * differ from torch's by one ulp (a relative 6e-8, far below what any log-prob comparison can see).
 */
import { InputError } from '../../util/errors.js';

/** RoPE variants verl-ts implements; others (yarn, longrope, ...) are refused with a clear error. */
export const SUPPORTED_ROPE_TYPES = ['default', 'linear', 'dynamic', 'llama3'] as const;
export type RopeType = (typeof SUPPORTED_ROPE_TYPES)[number];

export interface RopeSpec {
  ropeType: RopeType;
  /** rope_theta (the base). */
  theta: number;
  /** Number of rotated dimensions per head (= head_dim; partial rotary is not supported). */
  rotaryDim: number;
  /** linear / dynamic / llama3 scaling factor; null for default. */
  factor: number | null;
  /** llama3 only. */
  lowFreqFactor: number | null;
  highFreqFactor: number | null;
  /** llama3: original_max_position_embeddings (defaults to max_position_embeddings). */
  originalMaxPositionEmbeddings: number | null;
  /** max_position_embeddings of the model (dynamic scaling starts beyond it). */
  maxPositionEmbeddings: number;
  /** Multiplier HF applies to cos and sin; 1 for every supported type. */
  attentionScaling: number;
  /** inv_freq as transformers computes it at model construction, length rotaryDim / 2. */
  invFreq: Float32Array;
}

const f = Math.fround;

/**
 * 1 / base^(2i/dim) for i < dim/2, in float32 like `1.0 / (base ** (arange(0, dim, 2).float() / dim))`:
 * the exponent is a float32 quotient, the base is rounded to float32, the power and reciprocal are rounded.
 */
export function defaultInvFreq(base: number, dim: number): Float32Array {
  const out = new Float32Array(dim >> 1);
  const b = f(base);
  for (let i = 0; i < out.length; i++) {
    const exponent = f((2 * i) / dim);
    out[i] = f(1 / f(Math.pow(b, exponent)));
  }
  return out;
}

/** Linear (position-interpolation) scaling: inv_freq / factor. */
function linearInvFreq(base: number, dim: number, factor: number): Float32Array {
  const inv = defaultInvFreq(base, dim);
  const fac = f(factor);
  for (let i = 0; i < inv.length; i++) inv[i] = f(inv[i] / fac);
  return inv;
}

/**
 * Dynamic NTK scaling: the base grows once the sequence is longer than max_position_embeddings.
 * HF recomputes this in the forward pass; at seqLen <= max_position_embeddings it equals the default.
 */
export function dynamicInvFreq(base: number, dim: number, factor: number, maxPositionEmbeddings: number, seqLen: number): Float32Array {
  const len = Math.max(seqLen, maxPositionEmbeddings);
  const scaledBase = base * ((factor * len) / maxPositionEmbeddings - (factor - 1)) ** (dim / (dim - 2));
  return defaultInvFreq(scaledBase, dim);
}

/** Llama 3.1 frequency-dependent scaling: long wavelengths divided by factor, a smooth ramp in between. */
function llama3InvFreq(base: number, dim: number, factor: number, low: number, high: number, oldContext: number): Float32Array {
  const inv = defaultInvFreq(base, dim);
  const lowWavelen = f(oldContext / low);
  const highWavelen = f(oldContext / high);
  const twoPi = f(2 * Math.PI);
  const fac = f(factor);
  const ctx = f(oldContext);
  const lowF = f(low);
  const span = f(high - low);
  const out = new Float32Array(inv.length);
  for (let i = 0; i < inv.length; i++) {
    // torch evaluates `scalar / tensor` as reciprocal(tensor) * scalar.
    const wavelen = f(f(1 / inv[i]) * twoPi);
    const scaled = wavelen > lowWavelen ? f(inv[i] / fac) : inv[i];
    const smooth = f(f(f(f(1 / wavelen) * ctx) - lowF) / span);
    const smoothed = f(f(f(f(1 - smooth) * scaled) / fac) + f(smooth * scaled));
    const medium = !(wavelen < highWavelen) && !(wavelen > lowWavelen);
    out[i] = medium ? smoothed : scaled;
  }
  return out;
}

/** inv_freq for `rope` at a given sequence length (only dynamic scaling depends on it). */
export function invFreqForLength(rope: Omit<RopeSpec, 'invFreq'>, seqLen: number): Float32Array {
  switch (rope.ropeType) {
    case 'default':
      return defaultInvFreq(rope.theta, rope.rotaryDim);
    case 'linear':
      return linearInvFreq(rope.theta, rope.rotaryDim, rope.factor as number);
    case 'dynamic':
      return dynamicInvFreq(rope.theta, rope.rotaryDim, rope.factor as number, rope.maxPositionEmbeddings, seqLen);
    case 'llama3':
      return llama3InvFreq(
        rope.theta,
        rope.rotaryDim,
        rope.factor as number,
        rope.lowFreqFactor as number,
        rope.highFreqFactor as number,
        rope.originalMaxPositionEmbeddings as number,
      );
  }
}

type Json = Record<string, unknown>;

/**
 * Read the rope settings of a config in either layout: transformers-4 (`rope_theta` at top level plus an
 * optional `rope_scaling` dict whose type key is `type` or `rope_type`) or transformers-5 (`rope_parameters:
 * {rope_theta, rope_type, ...}`). Like HF, a non-empty `rope_scaling` wins over `rope_parameters`.
 */
export function parseRope(
  config: Json,
  ctx: { where: string; headDim: number; maxPositionEmbeddings: number; layerTypes: readonly string[] },
): RopeSpec {
  const fail = (msg: string): never => {
    throw new InputError(`${ctx.where}: ${msg}`);
  };
  const scaling = config.rope_scaling;
  let params: unknown = scaling !== undefined && scaling !== null && !(isObject(scaling) && Object.keys(scaling).length === 0) ? scaling : config.rope_parameters;
  let key = params === scaling ? 'rope_scaling' : 'rope_parameters';
  if (params === undefined || params === null) params = {};
  if (!isObject(params)) fail(`'${key}' must be an object or null, got ${JSON.stringify(params)}`);
  let dict = params as Json;
  // transformers-5 may nest parameters per layer type ({full_attention: {...}, sliding_attention: {...}}).
  const nested = Object.keys(dict).filter((k) => ctx.layerTypes.includes(k) || k === 'full_attention' || k === 'sliding_attention');
  if (nested.length > 0) {
    const variants = nested.map((k) => JSON.stringify(dict[k]));
    if (new Set(variants).size > 1) fail(`'${key}' gives different rope settings per layer type (${nested.join(', ')}); verl-ts supports one rope for all layers`);
    const inner = dict[nested[0]];
    if (!isObject(inner)) fail(`'${key}.${nested[0]}' must be an object`);
    dict = inner as Json;
    key = `${key}.${nested[0]}`;
  }
  const typeValue = dict.rope_type ?? dict.type ?? 'default';
  if (typeof typeValue !== 'string') fail(`'${key}.rope_type' must be a string, got ${JSON.stringify(typeValue)}`);
  const ropeType = typeValue as string;
  if (!(SUPPORTED_ROPE_TYPES as readonly string[]).includes(ropeType)) {
    fail(`rope_type '${ropeType}' (in '${key}') is not supported by verl-ts. Supported: ${SUPPORTED_ROPE_TYPES.join(', ')}.`);
  }
  const theta = dict.rope_theta ?? config.rope_theta ?? 10000;
  if (typeof theta !== 'number' || !(theta > 0)) fail(`rope_theta must be a positive number, got ${JSON.stringify(theta)}`);
  const partial = dict.partial_rotary_factor ?? config.partial_rotary_factor;
  if (partial !== undefined && partial !== null && partial !== 1) {
    fail(`partial_rotary_factor=${JSON.stringify(partial)} is not supported by verl-ts (only full rotary embeddings, factor 1.0)`);
  }
  if (ctx.headDim % 2 !== 0) fail(`RoPE needs an even head_dim, got ${ctx.headDim}`);
  const num = (name: string, required: boolean): number | null => {
    const v = dict[name];
    if (v === undefined || v === null) {
      if (required) fail(`'${key}' with rope_type '${ropeType}' needs '${name}'`);
      return null;
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) fail(`'${key}.${name}' must be a number, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const base: Omit<RopeSpec, 'invFreq'> = {
    ropeType: ropeType as RopeType,
    theta: theta as number,
    rotaryDim: ctx.headDim,
    factor: null,
    lowFreqFactor: null,
    highFreqFactor: null,
    originalMaxPositionEmbeddings: null,
    maxPositionEmbeddings: ctx.maxPositionEmbeddings,
    attentionScaling: 1,
  };
  if (ropeType !== 'default') {
    base.factor = num('factor', true);
    if ((base.factor as number) <= 0) fail(`'${key}.factor' must be positive, got ${base.factor}`);
  }
  if (ropeType === 'llama3') {
    base.lowFreqFactor = num('low_freq_factor', true);
    base.highFreqFactor = num('high_freq_factor', true);
    const topLevel = config.original_max_position_embeddings;
    base.originalMaxPositionEmbeddings =
      typeof topLevel === 'number' ? topLevel : (num('original_max_position_embeddings', false) ?? ctx.maxPositionEmbeddings);
    if ((base.highFreqFactor as number) <= (base.lowFreqFactor as number)) {
      fail(`'${key}': high_freq_factor (${base.highFreqFactor}) must be greater than low_freq_factor (${base.lowFreqFactor})`);
    }
  }
  return { ...base, invFreq: invFreqForLength(base, ctx.maxPositionEmbeddings) };
}

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
