/**
 * The three ways a decoder layer attends, sharing one q/k/v projection (biases, Qwen3's q/k norm, RoPE) and one
 * output projection, built from the graph's Primitives:
 * - full causal attention over the sequence (scoring, training, value model);
 * - prefill: the same, also handing out each layer's keys and values so decoding can continue from them;
 * - cached step: one new token per row attends to a key/value cache that is a graph *input* (fed zero-copy
 *   from buffers the caller owns) plus its own key/value; only the new key/value come back as outputs.
 *
 * Why the cached step does not use the concat form (present = concat(past, new), what nn.selfAttentionWithCache
 * and HF's ONNX exports do): every ORT output is a fresh array, so returning the grown cache copies all of it on
 * every step (docs/engine.md, "Costs to know"; measured in docs/models.md). Here the past is only read, and the
 * caller writes the one new slot into its buffers.
 */
import { type Dim, type Tensor, nn } from '../../engine/index.js';
import type { ModelSpec } from '../hf/config.js';
import { type Attend, type DecoderContext, attentionShape } from './decoder.js';
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
export function projectQkv(ctx: DecoderContext, x: Tensor, w: nn.AttentionWeights, rotary: Rotary): { q: Tensor; k: Tensor; v: Tensor } {
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
export function mergeHeads(ctx: DecoderContext, attended: Tensor, x: Tensor, w: nn.AttentionWeights): Tensor {
  const g = x.graph;
  const [B, T] = x.shape;
  const merged = g.reshape(g.transpose(attended, [0, 2, 1, 3]), [B, T, ctx.spec.numAttentionHeads * ctx.spec.headDim]);
  return ctx.ops.linear(merged, w.o, w.oBias ?? null);
}

const scaleOf = (spec: ModelSpec) => 1 / Math.sqrt(spec.headDim);

/** Full causal self-attention; `mask` from nn.causalMask(attention_mask, 'T'). Records keys/values when a sink is given. */
export function fullAttention(ctx: DecoderContext, rotary: Rotary, mask: Tensor, sink: KvSink | null = null): Attend {
  return (x, w, layer) => {
    const { q, k, v } = projectQkv(ctx, x, w, rotary);
    if (sink) {
      sink.keys[layer] = k;
      sink.values[layer] = v;
    }
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
 * Attention of one new token per row (x [B, 1, hidden]) over the cached slots plus itself. Queries are grouped
 * per KV head as in nn.scaledDotProductAttention, so grouped-query caches are never repeated. The scores of the
 * past and of the token itself are concatenated (small: [B, KV, rep, S+1]) for one softmax; the cache is not.
 */
export function cachedStepAttention(ctx: DecoderContext, rotary: Rotary, past: PastKv, sink: KvSink): Attend {
  const shape = attentionShape(ctx.spec);
  const scale = scaleOf(ctx.spec);
  return (x, w, layer) => {
    const g = x.graph;
    const { q, k, v } = projectQkv(ctx, x, w, rotary);
    sink.keys[layer] = k;
    sink.values[layer] = v;
    const pastK = past.keys[layer];
    const pastV = past.values[layer];
    const B = q.dim(0);
    const S: Dim = pastK.dim(2);
    const rep = shape.numHeads / shape.numKvHeads;
    const D = shape.headDim;
    const qg = g.reshape(g.mul(q, scale), [B, shape.numKvHeads, rep, D]);
    const transposeLast = (t: Tensor) => g.transpose(t, [0, 1, 3, 2]);
    const validSlots = g.reshape(past.valid, [B, 1, 1, S]);
    const pastScores = g.where(validSlots, g.matmul(qg, transposeLast(pastK)), lowest(q.dtype)); // [B, KV, rep, S]
    const ownScore = g.matmul(qg, transposeLast(k)); // [B, KV, rep, 1]
    const probs = g.softmax(g.concat([pastScores, ownScore], -1), -1);
    const [pastProbs, ownProb] = g.split(probs, [S, 1], -1);
    const attended = g.add(g.matmul(pastProbs, pastV), g.matmul(ownProb, v)); // [B, KV, rep, D]
    return mergeHeads(ctx, g.reshape(attended, [B, shape.numHeads, 1, D]), x, w);
  };
}
