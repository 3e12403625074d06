import { type Dim, dimMul, dimSub } from '../dims.js';
import { GraphBuildError } from '../errors.js';
import type { Tensor } from '../graph.js';
import { linear, rmsNorm } from './basic.js';
import { applyRope, type RopeTables } from './rope.js';

/**
 * Boolean attention mask [B, 1, 1, T, S]: query i (at absolute slot S−T+i) may attend key j when j ≤ S−T+i
 * and attention_mask[b, j] is 1. `attentionMask` [B, S] (int64 or bool) marks real tokens, so left-padded
 * prompts and right-padded responses are both handled; T < S is the decoding case with a KV cache.
 */
export function causalMask(attentionMask: Tensor, queryLen: Dim): Tensor {
  const g = attentionMask.graph;
  if (attentionMask.rank !== 2) throw new GraphBuildError(`causalMask: attention_mask must be [B, S], got rank ${attentionMask.rank}`);
  const [B, S] = attentionMask.shape;
  const qpos = g.unsqueeze(g.arange(queryLen, dimSub(S, queryLen)), [1]); // [T, 1]
  const kpos = g.unsqueeze(g.arange(S), [0]); // [1, S]
  const causal = g.lessOrEqual(kpos, qpos); // [T, S]
  const valid = attentionMask.dtype === 'bool' ? attentionMask : g.cast(attentionMask, 'bool');
  return g.and(g.reshape(valid, [B, 1, 1, 1, S]), causal);
}

export interface AttentionShape {
  readonly numHeads: number;
  readonly numKvHeads: number;
  readonly headDim: number;
}

const lowest = (dtype: string): number => (dtype === 'float64' ? -1.7976931348623157e308 : -3.4028234663852886e38);

/**
 * Softmax attention for q [B, H, T, D] and k, v [B, KV, S, D] with H = KV·rep (grouped-query attention).
 * Queries are grouped per KV head ([B, KV, rep·T, D]) so K and V are never repeated in memory. Masked scores
 * are replaced by the dtype's lowest value (as HF does), so a fully masked row is uniform rather than NaN.
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, mask: Tensor, scale: number): Tensor {
  const g = q.graph;
  const [B, H, T, D] = q.shape;
  const KV = k.dim(1);
  const S = k.dim(2);
  if (typeof H !== 'number' || typeof KV !== 'number' || H % KV !== 0) throw new GraphBuildError(`attention: ${H} query heads cannot be grouped over ${KV} key/value heads`);
  const rep = H / KV;
  const qg = g.reshape(g.mul(q, scale), [B, KV, dimMul(rep, T), D]);
  const scores = g.matmul(qg, g.transpose(k, [0, 1, 3, 2])); // [B, KV, rep·T, S]
  const grouped = g.reshape(scores, [B, KV, rep, T, S]);
  const probs = g.softmax(g.where(mask, grouped, lowest(q.dtype)), -1);
  const ctx = g.matmul(g.reshape(probs, [B, KV, -1, S]), v); // [B, KV, rep·T, D]
  return g.reshape(ctx, [B, H, T, D]);
}

export interface AttentionWeights {
  readonly q: Tensor;
  readonly k: Tensor;
  readonly v: Tensor;
  readonly o: Tensor;
  readonly qBias?: Tensor | null;
  readonly kBias?: Tensor | null;
  readonly vBias?: Tensor | null;
  readonly oBias?: Tensor | null;
  /** Qwen3: RMSNorm weights [head_dim] applied per head to q and k before RoPE. */
  readonly qNorm?: Tensor | null;
  readonly kNorm?: Tensor | null;
}

export interface AttentionOptions extends AttentionShape {
  readonly rope: RopeTables;
  /** From causalMask(). */
  readonly mask: Tensor;
  /** Softmax scale (default 1/sqrt(head_dim)). */
  readonly scale?: number;
  /** eps of the q/k RMSNorm (Qwen3). */
  readonly normEps?: number;
}

/** Project x [B, T, hidden] into q [B, H, T, D] and k, v [B, KV, T, D], with optional q/k norm and RoPE. */
function projectQkv(x: Tensor, w: AttentionWeights, o: AttentionOptions): { q: Tensor; k: Tensor; v: Tensor } {
  const g = x.graph;
  const [B, T] = x.shape;
  const heads = (t: Tensor, n: number, norm: Tensor | null | undefined): Tensor => {
    let h = g.reshape(t, [B, T, n, o.headDim]);
    if (norm) h = rmsNorm(h, norm, o.normEps ?? 1e-6);
    return g.transpose(h, [0, 2, 1, 3]);
  };
  const q = applyRope(heads(linear(x, w.q, w.qBias ?? null), o.numHeads, w.qNorm), o.rope);
  const k = applyRope(heads(linear(x, w.k, w.kBias ?? null), o.numKvHeads, w.kNorm), o.rope);
  const v = heads(linear(x, w.v, w.vBias ?? null), o.numKvHeads, null);
  return { q, k, v };
}

function mergeHeads(ctx: Tensor, x: Tensor, w: AttentionWeights, o: AttentionOptions): Tensor {
  const g = x.graph;
  const [B, T] = x.shape;
  const merged = g.reshape(g.transpose(ctx, [0, 2, 1, 3]), [B, T, o.numHeads * o.headDim]);
  return linear(merged, w.o, w.oBias ?? null);
}

/** Causal self-attention of x [B, T, hidden] (training and scoring). */
export function selfAttention(x: Tensor, w: AttentionWeights, o: AttentionOptions): Tensor {
  const { q, k, v } = projectQkv(x, w, o);
  const ctx = scaledDotProductAttention(q, k, v, o.mask, o.scale ?? 1 / Math.sqrt(o.headDim));
  return mergeHeads(ctx, x, w, o);
}

/**
 * The KV-cache form for decoding: past keys/values [B, KV, P, D] come in, present ones [B, KV, P+T, D] go
 * out. `o.mask` must come from causalMask(attention_mask [B, P+T], T) and `o.rope` from the new tokens'
 * positions. With P = 0 this is the prefill graph.
 */
export function selfAttentionWithCache(
  x: Tensor,
  w: AttentionWeights,
  o: AttentionOptions & { readonly pastKey: Tensor; readonly pastValue: Tensor },
): { out: Tensor; presentKey: Tensor; presentValue: Tensor } {
  const g = x.graph;
  const { q, k, v } = projectQkv(x, w, o);
  const presentKey = g.concat([o.pastKey, k], 2);
  const presentValue = g.concat([o.pastValue, v], 2);
  const ctx = scaledDotProductAttention(q, presentKey, presentValue, o.mask, o.scale ?? 1 / Math.sqrt(o.headDim));
  return { out: mergeHeads(ctx, x, w, o), presentKey, presentValue };
}
