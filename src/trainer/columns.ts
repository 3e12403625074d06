/**
 * The boundary between batch columns (typed arrays the models read and write) and the algorithm core's float64
 * matrices. Column names are verl's (response_mask, token_level_scores, old_log_probs, advantages, ...).
 */
import type { Mat } from '../algos/index.js';
import type { Batch } from '../data/batch.js';
import { Tensor } from '../data/tensor.js';

/** A [B, T] column as a float64 matrix (copied). */
export function matOf(batch: Batch, name: string): Mat {
  return matOfTensor(batch.tensor(name));
}

export function matOfTensor(t: Tensor): Mat {
  const [rows, cols] = t.shape;
  return { data: Float64Array.from(t.data), rows, cols: cols ?? 1 };
}

/** A matrix as a [B, T] float32 column (what the models and dumps read). */
export function tensorOfMat(m: Mat): Tensor<Float32Array> {
  return new Tensor(Float32Array.from(m.data), [m.rows, m.cols]);
}
