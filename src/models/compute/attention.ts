/**
 * The two ways a decoder layer attends, sharing one q/k/v projection (biases, Qwen3's q/k norm, RoPE) and one
 * output projection, built from the graph's Primitives:
 * - full causal attention over the sequence (scoring, training, value model);
 * - cached: new tokens attend to a key/value cache that is a graph *input* (fed zero-copy from buffers the
 *   caller owns) plus to themselves; only the new keys/values come back as outputs (prefill and decoding steps).
 *
 * Why the cached form does not use the concat form (present = concat(past, new), what HF's ONNX exports do):
 * every ORT output is a fresh array, so returning the grown cache copies all of it on every step (docs/engine.md,
 * "Costs to know"; measured in docs/models.md). Here the past is only read, and the caller writes the one new
 * slot into its buffers.
 */
import { type Dim, type Tensor, dimMul, nn } from '../../engine/index.js';
import type { ModelSpec } from '../hf/config.js';
import { type Attend, type AttentionWeights, type DecoderContext, attentionShape } from './decoder.js';
import type { Rotary } from './primitives.js';

/** Per-layer keys and values a graph hands out (filled while the layers are built). */
export interface KvSink {
  readonly keys: Tensor[];
  readonly values: Tensor[];
}

/** The lowest finite value of a float dtype: HF fills masked scores with it (a fully masked row stays finite). */
function lowest(dtype: string): number {
  return dtype === 'float64' ? -1.7976931348623157e308 : -3.4028234663852886e38;
}

/** q [B, H, T, D] and k, v [B, KV, T, D] of x [B, T, hidden]: projections (+ biases), q/k norm, RoPE on q and k. */
export function projectQkv(ctx: DecoderContext, x: Tensor, w: AttentionWeights, rotary: Rotary): { q: Tensor; k: Tensor; v: Tensor } {
  const g = x.graph;
  const { spec, ops } = ctx;
  const [B, T] = x.shape;
  const heads = (t: Tensor, n: number, norm: Tensor | null | undefined): Tensor => {
    let h = g.reshape(t, [B, T, n, spec.headDim]);
    if (norm) h = ops.rmsNorm(h, norm, spec.rmsNormEps);
    return g.transpose(h, [0, 2, 1, 3]);
  };
  const q = rotary.apply(heads(ops.linear(x, w.q, w.qBias ?? null), spec.numAttentionHeads, w.qNorm));
  const k = rotary.apply(heads(ops.linear(x, w.k, w.kBias ?? null), spec.numKeyValueHeads, w.kNorm));
  const v = heads(ops.linear(x, w.v, w.vBias ?? null), spec.numKeyValueHeads, null);
  return { q, k, v };
}

/** ctx [B, H, T, D] → [B, T, H·D] → output projection. */
export function mergeHeads(ctx: DecoderContext, attended: Tensor, x: Tensor, w: AttentionWeights): Tensor {
  const g = x.graph;
  const [B, T] = x.shape;
  const merged = g.reshape(g.transpose(attended, [0, 2, 1, 3]), [B, T, ctx.spec.numAttentionHeads * ctx.spec.headDim]);
  return ctx.ops.linear(merged, w.o, w.oBias ?? null);
}

const scaleOf = (spec: ModelSpec) => 1 / Math.sqrt(spec.headDim);

/** Full causal self-attention; `mask` from nn.causalMask(attention_mask, 'T'). */
export function fullAttention(ctx: DecoderContext, rotary: Rotary, mask: Tensor): Attend {
  return (x, w) => {
    const { q, k, v } = projectQkv(ctx, x, w, rotary);
    return mergeHeads(ctx, nn.scaledDotProductAttention(q, k, v, mask, scaleOf(ctx.spec)), x, w);
  };
}

/** The cache a step graph reads: per-layer keys/values [B, KV, S, D] and which of the S slots hold a token. */
export interface PastKv {
  readonly keys: readonly Tensor[];
  readonly values: readonly Tensor[];
  /** bool [B, S]: slot j of row b holds a real token (prompt padding and unused capacity are false). */
  readonly valid: Tensor;
}

/**
 * Attention of T new tokens per row (x [B, T, hidden]) over the cached slots plus the new tokens themselves
 * (causally, with `newMask` from nn.causalMask(attention_mask [B, T], 'T') for left padding among them). Queries
 * are grouped per KV head as in nn.scaledDotProductAttention, so grouped-query caches are never repeated. The
 * scores against the past and against the new keys are concatenated ([B, KV, rep, T, S+T], small) for one
 * softmax; the cache itself is never copied. T = 1 is a decoding step; S = 0 (an empty cache) is the prefill.
 */
export function cachedAttention(ctx: DecoderContext, rotary: Rotary, past: PastKv, newMask: Tensor, sink: KvSink): Attend {
  const shape = attentionShape(ctx.spec);
  const scale = scaleOf(ctx.spec);
  return (x, w, layer) => {
    const g = x.graph;
    const { q, k, v } = projectQkv(ctx, x, w, rotary);
    sink.keys[layer] = k;
    sink.values[layer] = v;
    const pastK = past.keys[layer];
    const pastV = past.values[layer];
    const [B, , T] = q.shape;
    const S: Dim = pastK.dim(2);
    const { numHeads: H, numKvHeads: KV, headDim: D } = shape;
    const rep = H / KV;
    const qg = g.reshape(g.mul(q, scale), [B, KV, dimMul(rep, T), D]);
    const transposeLast = (t: Tensor) => g.transpose(t, [0, 1, 3, 2]);
    const grouped = (scores: Tensor, keys: Dim) => g.reshape(scores, [B, KV, rep, T, keys]);
    const fill = lowest(q.dtype);
    const pastScores = g.where(g.reshape(past.valid, [B, 1, 1, 1, S]), grouped(g.matmul(qg, transposeLast(pastK)), S), fill);
    const newScores = g.where(newMask, grouped(g.matmul(qg, transposeLast(k)), T), fill);
    const probs = g.softmax(g.concat([pastScores, newScores], -1), -1); // [B, KV, rep, T, S+T]
    const [pastProbs, newProbs] = g.split(probs, [S, T], -1);
    const flat = (p: Tensor, keys: Dim) => g.reshape(p, [B, KV, dimMul(rep, T), keys]);
    const attended = g.add(g.matmul(flat(pastProbs, S), pastV), g.matmul(flat(newProbs, T), v)); // [B, KV, rep·T, D]
    return mergeHeads(ctx, g.reshape(attended, [B, H, T, D]), x, w);
  };
}
