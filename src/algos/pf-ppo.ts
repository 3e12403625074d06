/**
 * pf_ppo reweighting (algorithm.use_pf_ppo; GAE only in verl): weights from each sequence's score, then B row
 * indices drawn multinomially with replacement. The caller reorders every per-row field by the indices.
 */
import { ConfigError } from '../util/errors.js';
import type { Rng } from '../util/rng.js';
import { didYouMean } from '../util/suggest.js';
import type { Mat } from './mat.js';
import { zeros } from './mat.js';

export const PF_PPO_REWEIGHT_METHODS = ['pow', 'max_min', 'max_random'] as const;

/** Sampling weights: pow → |s|^p; max_min → 1 at the batch max or min else 0; max_random → 0.4 at the max else 0.1; then max(w + 1e-8, 1e-8). */
export function pfPpoWeights(scores: ArrayLike<number>, method: string, weightPow = 2.0): Float64Array {
  const n = scores.length;
  let max = -Infinity;
  let min = Infinity;
  for (let i = 0; i < n; i++) {
    max = Math.max(max, scores[i]);
    min = Math.min(min, scores[i]);
  }
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = scores[i];
    if (method === 'pow') w[i] = Math.abs(s) ** weightPow;
    else if (method === 'max_min') w[i] = s === max || s === min ? 1.0 : 0.0;
    else if (method === 'max_random') w[i] = s === max ? 0.4 : 0.1;
    else {
      throw new ConfigError(
        `algorithm.pf_ppo.reweight_method: Unsupported reweight_method: '${method}'. Known: ${PF_PPO_REWEIGHT_METHODS.join(', ')}.` +
          didYouMean(method, PF_PPO_REWEIGHT_METHODS),
      );
    }
    w[i] = Math.max(w[i] + 1e-8, 1e-8);
  }
  return w;
}

/** n draws with replacement, P(i) ∝ weights[i], from the seeded generator (inverse-CDF sampling). */
export function multinomialWithReplacement(weights: ArrayLike<number>, n: number, rng: Rng): number[] {
  const cdf = new Float64Array(weights.length);
  let total = 0;
  for (let i = 0; i < weights.length; i++) {
    total += weights[i];
    cdf[i] = total;
  }
  const out: number[] = [];
  for (let d = 0; d < n; d++) {
    const u = rng.next() * total;
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    out.push(lo);
  }
  return out;
}

/** The resampled row order for a batch whose sequence scores are `scores` (Σ token_level_scores per row). */
export function pfPpoResampleIndices(scores: ArrayLike<number>, method: string, weightPow: number, rng: Rng): number[] {
  return multinomialWithReplacement(pfPpoWeights(scores, method, weightPow), scores.length, rng);
}

/** Rows of `m` in the order `indices` (for applying a resampling to a [B, T] field). */
export function takeRows(m: Mat, indices: ReadonlyArray<number>): Mat {
  const out = zeros(indices.length, m.cols);
  indices.forEach((src, i) => out.data.set(m.data.subarray(src * m.cols, (src + 1) * m.cols), i * m.cols));
  return out;
}
