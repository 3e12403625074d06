/**
 * The building blocks a decoder graph is made of, in two interchangeable sets:
 * - `differentiable`: the engine's nn blocks (Gemm linears, RMSNorm from elementwise ops, rotate-half RoPE), every
 *   op with a gradient rule — the scoring, training and value graphs;
 * - `fused`: forward-only ONNX ops ORT runs as single kernels — MatMul against the transposed weight (with frozen
 *   weights ORT folds the transpose and prepacks the matrix), opset-23 RMSNormalization and RotaryEmbedding — the
 *   prefill and step graphs, where per-node overhead and weight packing dominate a decoding step (measured in
 *   docs/models.md). Same math; the KV-cache tests compare the two.
 */
import { GraphBuildError, type Tensor, attr, nn, registerOps } from '../../engine/index.js';
import type { TensorType } from '../../engine/index.js';

/** Rotary position embedding for one graph (positions and inv_freq already bound). */
export interface Rotary {
  /** Rotate x [B, H, T, D]. */
  apply(x: Tensor): Tensor;
}

export interface Primitives {
  readonly name: 'differentiable' | 'fused';
  /** y = x·Wᵀ + b, W stored [out, in]. */
  linear(x: Tensor, weight: Tensor, bias: Tensor | null): Tensor;
  /** HF RMSNorm over the last axis. */
  rmsNorm(x: Tensor, weight: Tensor, eps: number): Tensor;
  /** RoPE for position ids [B, T] (int64) and inv_freq [D/2], cos/sin scaled by attentionScaling. */
  rotary(positionIds: Tensor, invFreq: Tensor, attentionScaling: number): Rotary;
}

function sameAsFirst(inputs: ReadonlyArray<TensorType | null>, op: string): TensorType[] {
  const x = inputs[0];
  if (!x) throw new GraphBuildError(`${op}: missing input`);
  return [{ dtype: x.dtype, shape: x.shape }];
}

// Forward-only ops (no gradient rule: autodiff refuses to differentiate through them).
registerOps({
  RMSNormalization: { infer: (inputs) => sameAsFirst(inputs, 'RMSNormalization') },
  RotaryEmbedding: { infer: (inputs) => sameAsFirst(inputs, 'RotaryEmbedding') },
});

export const differentiable: Primitives = {
  name: 'differentiable',
  linear: (x, w, b) => nn.linear(x, w, b),
  rmsNorm: (x, w, eps) => nn.rmsNorm(x, w, eps),
  rotary: (positions, invFreq, scaling) => {
    const tables = nn.ropeTables(positions, invFreq, scaling);
    return { apply: (x) => nn.applyRope(x, tables) };
  },
};

export const fused: Primitives = {
  name: 'fused',
  linear: (x, w, b) => {
    const g = x.graph;
    const y = g.matmul(x, g.transpose(w, [1, 0]));
    return b ? g.add(y, b) : y;
  },
  rmsNorm: (x, w, eps) => x.graph.apply('RMSNormalization', [x, w], { epsilon: attr.float(eps), axis: attr.int(-1) })[0],
  rotary: (positions, invFreq, scaling) => {
    const g = positions.graph;
    // cos/sin caches [B, T, D/2] for exactly these positions (the op's position_ids input stays unused).
    const freqs = g.mul(g.unsqueeze(g.cast(positions, invFreq.dtype), [-1]), invFreq);
    let cos = g.cos(freqs);
    let sin = g.sin(freqs);
    if (scaling !== 1) {
      cos = g.mul(cos, scaling);
      sin = g.mul(sin, scaling);
    }
    return { apply: (x) => g.apply('RotaryEmbedding', [x, cos, sin], {})[0] };
  },
};
