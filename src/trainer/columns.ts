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

/** Σ of each row over the response mask (verl's per-sequence score / reward). */
export function rowSumsOf(values: Mat, mask: Mat): Float64Array {
  const out = new Float64Array(values.rows);
  for (let i = 0; i < values.rows; i++) {
    let s = 0;
    for (let t = 0; t < values.cols; t++) if (mask.data[i * values.cols + t] !== 0) s += values.data[i * values.cols + t];
    out[i] = s;
  }
  return out;
}

/** Row sums of a [B, T] integer mask (response or prompt lengths). */
export function maskLengths(batch: Batch, name: string): Int32Array {
  const t = batch.tensor(name);
  const [rows, cols] = t.shape;
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    let n = 0;
    for (let j = 0; j < cols; j++) n += t.data[i * cols + j];
    out[i] = n;
  }
  return out;
}
