/** Generic layers: linear (HF weight layout), embedding lookup, RMSNorm. */
import type { Dim } from '../dims.js';
import { GraphBuildError } from '../errors.js';
import type { Tensor } from '../graph.js';

/**
 * y = x·Wᵀ + b with W stored [out, in] as HF checkpoints store it. The leading dims are flattened so the
 * product is one Gemm (transB) whose weight gradient is also a single GEMM.
 */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  const g = x.graph;
  if (weight.rank !== 2) throw new GraphBuildError(`linear: weight '${weight.name}' must be [out, in], got rank ${weight.rank}`);
  const [out, inF] = weight.shape;
  const lead: Dim[] = x.shape.slice(0, -1);
  const x2 = x.rank === 2 ? x : g.reshape(x, [-1, x.dim(-1)]);
  if (x2.dim(-1) !== inF) throw new GraphBuildError(`linear: input '${x.name}' has ${x.dim(-1)} features, weight '${weight.name}' expects ${inF}`);
  const y = g.gemm(x2, weight, bias, { transB: true });
  return x.rank === 2 ? y : g.reshape(y, [...lead, out]);
}

/** Rows of an embedding table [vocab, hidden] for int64 ids of any shape. */
export function embedding(weight: Tensor, ids: Tensor): Tensor {
  return weight.graph.gather(weight, ids, 0);
}

/** HF RMSNorm over the last axis: x / sqrt(mean(x²) + eps) · weight. */
export function rmsNorm(x: Tensor, weight: Tensor, eps: number): Tensor {
  const g = x.graph;
  const variance = g.reduceMean(g.mul(x, x), [-1], true);
  const normed = g.mul(x, g.reciprocal(g.sqrt(g.add(variance, eps))));
  return g.mul(normed, weight);
}
