/**
 * SPPO's sequence-level advantage (verl's recipe/sppo): a_i = s_i − SoftMean_β(s) over the whole batch, with
 * s_i = Σ_t r_{i,t} and SoftMean_β(x) = (1/β)·log((1/n)·Σ_j exp(β·x_j)) (the plain mean when β = 0);
 * β = algorithm.sppo_eta. Broadcast over the valid tokens; returns = advantages. The `sppo` policy loss reads it
 * back per sequence.
 */
import { ConfigError } from '../../util/errors.js';
import type { Mat } from '../mat.js';
import { rowSums, zerosLike } from '../mat.js';
import { checkBase } from './groups.js';
import type { AdvantageConfig, AdvantageInput, AdvantageOutput } from './types.js';

/** SoftMean_β over all entries, stable for large β·x (log-sum-exp shifted by the maximum). */
export function softMean(xs: ArrayLike<number>, beta: number): number {
  const n = xs.length;
  if (n === 0) return 0;
  if (beta === 0) {
    let s = 0;
    for (let i = 0; i < n; i++) s += xs[i];
    return s / n;
  }
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, beta * xs[i]);
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.exp(beta * xs[i] - max);
  return (max + Math.log(s) - Math.log(n)) / beta;
}

/** algorithm.sppo_eta, read from the algorithm section (verl's key); 1.0 when the section does not set it. */
export function sppoBeta(config: AdvantageConfig): number {
  const value = config.algorithm?.sppo_eta ?? 1.0;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ConfigError(`algorithm.sppo_eta must be a finite number for adv_estimator=sppo, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function sppoAdvantage(input: AdvantageInput, config: AdvantageConfig): AdvantageOutput {
  checkBase(input, 'sppo');
  const mask: Mat = input.responseMask;
  const scores = rowSums(input.tokenLevelRewards);
  const baseline = softMean(scores, sppoBeta(config));
  const adv = zerosLike(mask);
  for (let i = 0; i < mask.rows; i++) {
    for (let t = 0; t < mask.cols; t++) adv.data[i * mask.cols + t] = (scores[i] - baseline) * mask.data[i * mask.cols + t];
  }
  return { advantages: adv, returns: adv };
}
