/**
 * The three ways a decoder layer attends (all share the engine's q/k/v projection, RoPE and output projection):
 * - full causal attention over the sequence (scoring, training, value model);
 * - prefill: the same, also handing out each layer's keys and values so decoding can continue from them;
 * - cached step: one new token per row attends to a key/value cache that is a graph *input* (fed zero-copy
 *   from buffers the caller owns) plus its own key/value; only the new key/value come back as outputs.
 *
 * Why the cached step does not use the engine's concat form (present = concat(past, new)): every ORT output is
 * a fresh array, so returning the grown cache copies all of it on every step (docs/engine.md, "Costs to
 * know"). Here the past is only read, and the caller writes the one new slot into its buffers.
 */
import { type Dim, type Tensor, nn } from '../../engine/index.js';
import type { ModelSpec } from '../hf/config.js';
import { type Attend, attentionShape } from './decoder.js';

/** Per-layer keys and values a graph hands out (filled while the layers are built). */
export interface KvSink {
  readonly keys: Tensor[];
  readonly values: Tensor[];
}

/** The lowest finite value of a float dtype: HF fills masked scores with it (a fully masked row stays finite). */
function lowest(dtype: string): number {
  return dtype === 'float64' ? -1.7976931348623157e308 : -3.4028234663852886e38;
}

function projectionOptions(spec: ModelSpec, rope: nn.RopeTables) {
  return { ...attentionShape(spec), rope, normEps: spec.rmsNormEps };
}

/** Full causal self-attention; `mask` from nn.causalMask(attention_mask, 'T'). */
export function fullAttention(spec: ModelSpec, rope: nn.RopeTables, mask: Tensor): Attend {
  return (x, w) => nn.selfAttention(x, w, { ...projectionOptions(spec, rope), mask });
}

/** Full causal self-attention that also records each layer's keys and values [B, KV, T, D] in `sink`. */
export function prefillAttention(spec: ModelSpec, rope: nn.RopeTables, mask: Tensor, sink: KvSink): Attend {
  return (x, w, layer) => {
    const { q, k, v } = nn.projectQkv(x, w, projectionOptions(spec, rope));
    sink.keys[layer] = k;
    sink.values[layer] = v;
    const ctx = nn.scaledDotProductAttention(q, k, v, mask, 1 / Math.sqrt(spec.headDim));
    return nn.mergeHeads(ctx, x, w, attentionShape(spec));
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
 * per KV head as in nn.scaledDotProductAttention, so grouped-query caches are never repeated.
 */
export function cachedStepAttention(spec: ModelSpec, rope: nn.RopeTables, past: PastKv, sink: KvSink): Attend {
  const shape = attentionShape(spec);
  const scale = 1 / Math.sqrt(spec.headDim);
  return (x, w, layer) => {
    const g = x.graph;
    const { q, k, v } = nn.projectQkv(x, w, projectionOptions(spec, rope));
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
    const ctx = g.add(g.matmul(pastProbs, pastV), g.matmul(ownProb, v)); // [B, KV, rep, D]
    return nn.mergeHeads(g.reshape(ctx, [B, shape.numHeads, 1, D]), x, w, shape);
  };
}
