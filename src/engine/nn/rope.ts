/** Rotary position embedding: cos/sin tables from position ids and inv_freq, and HF's rotate_half application. */
import { GraphBuildError } from '../errors.js';
import type { Tensor } from '../graph.js';

export interface RopeTables {
  /** cos/sin of position·inv_freq, duplicated to the head dim: [B, 1, T, D], broadcast over heads. */
  readonly cos: Tensor;
  readonly sin: Tensor;
}

/**
 * Rotary tables from position ids [B, T] (int64) and inv_freq [D/2] (a float tensor, so the caller computes
 * any rope_scaling variant, e.g. Llama-3's, and feeds or embeds it). `attentionScaling` multiplies cos and sin
 * as HF does for scaled variants (1 for default RoPE).
 */
export function ropeTables(positionIds: Tensor, invFreq: Tensor, attentionScaling = 1): RopeTables {
  const g = positionIds.graph;
  if (invFreq.rank !== 1) throw new GraphBuildError(`ropeTables: inv_freq must be 1-D, got rank ${invFreq.rank}`);
  const pos = g.unsqueeze(g.cast(positionIds, invFreq.dtype), [-1]); // [B, T, 1]
  const freqs = g.mul(pos, invFreq); // [B, T, D/2]
  const emb = g.unsqueeze(g.concat([freqs, freqs], -1), [1]); // [B, 1, T, D]
  let cos = g.cos(emb);
  let sin = g.sin(emb);
  if (attentionScaling !== 1) {
    cos = g.mul(cos, attentionScaling);
    sin = g.mul(sin, attentionScaling);
  }
  return { cos, sin };
}

/** HF `rotate_half`: concat(−x₂, x₁) of the two halves of the last axis. */
export function rotateHalf(x: Tensor): Tensor {
  const g = x.graph;
  const d = x.dim(-1);
  if (typeof d !== 'number' || d % 2 !== 0) throw new GraphBuildError(`rotateHalf: the last dim of '${x.name}' must be even, got ${d}`);
  const [x1, x2] = g.split(x, [d / 2, d / 2], -1);
  return g.concat([g.neg(x2), x1], -1);
}

/** x·cos + rotate_half(x)·sin for x [B, H, T, D]. */
export function applyRope(x: Tensor, t: RopeTables): Tensor {
  const g = x.graph;
  return g.add(g.mul(x, t.cos), g.mul(rotateHalf(x), t.sin));
}
