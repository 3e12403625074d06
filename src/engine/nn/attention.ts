/**
 * Generic attention blocks: the causal padding mask and grouped-query scaled dot-product attention. How a model
 * projects q, k and v (biases, q/k norm, RoPE, a KV cache) is the model's business (src/models/compute).
 */
import { type Dim, dimMul, dimSub } from '../dims.js';
import { GraphBuildError } from '../errors.js';
import type { Tensor } from '../graph.js';

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
