/**
 * Masked reductions with verl's exact semantics (verl/utils/torch_functional.py): values where the mask is 0
 * are replaced by 0 before the sum (so NaN/Inf outside the mask cannot leak in), means divide by Σmask + 1e-8,
 * the variance is unbiased over the whole tensor and refuses n = 0 and n = 1, and whitening also transforms
 * masked positions (they are not zeroed: upstream quirk 3, mirrored).
 */
import { InputError } from '../util/errors.js';
import type { Mat } from './mat.js';
import { zerosLike } from './mat.js';

/** verl's denominator guard in masked_mean. */
export const MASKED_MEAN_EPS = 1e-8;

function maskedTerm(v: number, m: number): number {
  return m !== 0 ? v * m : 0;
}

export function maskedSum(values: Mat, mask: Mat): number {
  let s = 0;
  for (let k = 0; k < values.data.length; k++) s += maskedTerm(values.data[k], mask.data[k]);
  return s;
}

export function maskSum(mask: Mat): number {
  let s = 0;
  for (let k = 0; k < mask.data.length; k++) s += mask.data[k];
  return s;
}

export function maskedMean(values: Mat, mask: Mat): number {
  return maskedSum(values, mask) / (maskSum(mask) + MASKED_MEAN_EPS);
}

/** Per-row masked sums (axis = -1). */
export function maskedRowSums(values: Mat, mask: Mat): Float64Array {
  const out = new Float64Array(values.rows);
  for (let i = 0; i < values.rows; i++) {
    let s = 0;
    for (let t = 0; t < values.cols; t++) {
      const k = i * values.cols + t;
      s += maskedTerm(values.data[k], mask.data[k]);
    }
    out[i] = s;
  }
  return out;
}

/** Per-row Σmask. */
export function maskRowSums(mask: Mat): Float64Array {
  const out = new Float64Array(mask.rows);
  for (let i = 0; i < mask.rows; i++) {
    let s = 0;
    for (let t = 0; t < mask.cols; t++) s += mask.data[i * mask.cols + t];
    out[i] = s;
  }
  return out;
}

/** Per-row masked means (axis = -1), each over Σmask_row + 1e-8. */
export function maskedRowMeans(values: Mat, mask: Mat): Float64Array {
  const sums = maskedRowSums(values, mask);
  const counts = maskRowSums(mask);
  for (let i = 0; i < sums.length; i++) sums[i] /= counts[i] + MASKED_MEAN_EPS;
  return sums;
}

/** Masked mean of a predicate (true → 1), as verl's masked_mean(cond.float(), mask). */
export function maskedFraction(mask: Mat, pred: (k: number) => boolean): number {
  let s = 0;
  for (let k = 0; k < mask.data.length; k++) if (pred(k)) s += maskTermOne(mask.data[k]);
  return s / (maskSum(mask) + MASKED_MEAN_EPS);
}

function maskTermOne(m: number): number {
  return m !== 0 ? m : 0;
}

/**
 * Unbiased (by default) masked variance over the whole tensor. Throws, as verl does, when Σmask is 0 or 1.
 */
export function maskedVar(values: Mat, mask: Mat, unbiased = true): number {
  const mean = maskedMean(values, mask);
  let s = 0;
  for (let k = 0; k < values.data.length; k++) {
    const c = values.data[k] - mean;
    s += maskedTerm(c * c, mask.data[k]);
  }
  const n = maskSum(mask);
  let variance = s / (n + MASKED_MEAN_EPS);
  if (unbiased) {
    if (n === 0) throw new InputError('At least one element in the mask has to be 1.');
    if (n === 1) throw new InputError('The sum of the mask is one, which can cause a division by zero.');
    variance *= n / (n - 1);
  }
  return variance;
}

/** (v − μ)·(var + 1e-8)^−½ at every position (masked ones included); μ added back when !shiftMean. */
export function maskedWhiten(values: Mat, mask: Mat, shiftMean = true): Mat {
  const mean = maskedMean(values, mask);
  const variance = maskedVar(values, mask);
  const scale = 1 / Math.sqrt(variance + 1e-8);
  const out = zerosLike(values);
  for (let k = 0; k < values.data.length; k++) {
    const w = (values.data[k] - mean) * scale;
    out.data[k] = shiftMean ? w : w + mean;
  }
  return out;
}
