/**
 * Outcome-reward estimators: each sequence gets one scalar from its score s_i = Σ_t r_{i,t} and its uid group,
 * broadcast over its valid tokens (A_{i,t} = a_i·m_{i,t}); returns = advantages.
 * grpo, grpo_vectorized, grpo_passk, rloo, rloo_vectorized, opo, gpg, reinforce_plus_plus_baseline.
 */
import { InputError } from '../../util/errors.js';
import type { Mat } from '../mat.js';
import { rowSums, zerosLike } from '../mat.js';
import { maskRowSums, maskedWhiten } from '../masked.js';
import { checkBase, groupRows, requireIndex } from './groups.js';
import type { AdvantageConfig, AdvantageInput, AdvantageOutput } from './types.js';

const GRPO_EPSILON = 1e-6;

function broadcast(scalars: ArrayLike<number>, mask: Mat): AdvantageOutput {
  const adv = zerosLike(mask);
  for (let i = 0; i < mask.rows; i++) {
    for (let t = 0; t < mask.cols; t++) adv.data[i * mask.cols + t] = scalars[i] * mask.data[i * mask.cols + t];
  }
  return { advantages: adv, returns: adv };
}

function mean(xs: number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** torch.std: unbiased (N − 1); NaN for a single value. */
function unbiasedStd(xs: number[]): number {
  const mu = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - mu) * (x - mu);
  return Math.sqrt(s / (xs.length - 1));
}

function setup(input: AdvantageInput, name: string): { scores: Float64Array; groups: number[][] } {
  checkBase(input, name);
  const index = requireIndex(input, name);
  return { scores: rowSums(input.tokenLevelRewards), groups: groupRows(index) };
}

/** grpo: (s − mean)/(std + 1e-6) with the unbiased std (Dr.GRPO without the division); a group of one: mean 0, std 1. */
export function grpoAdvantage(input: AdvantageInput, config: AdvantageConfig): AdvantageOutput {
  const { scores, groups } = setup(input, 'grpo');
  const out = new Float64Array(scores.length);
  for (const rows of groups) {
    const vals = rows.map((i) => scores[i]);
    const mu = rows.length === 1 ? 0 : mean(vals);
    const sd = rows.length === 1 ? 1 : unbiasedStd(vals);
    for (const i of rows) {
      out[i] = config.normAdvByStdInGrpo ? (scores[i] - mu) / (sd + GRPO_EPSILON) : scores[i] - mu;
    }
  }
  return broadcast(out, input.responseMask);
}

/**
 * grpo_vectorized: verl computes the group statistics with group_mean_std in float32 (index_add_ sums in
 * batch order, var = (Σx² − (Σx)²/n)/max(n − 1, 1) floored at 1e-6, std = √var; singleton groups get mean 0,
 * std 1). Every float32 step is emulated with Math.fround; the final division happens in float64 as in verl.
 */
export function grpoVectorizedAdvantage(input: AdvantageInput, config: AdvantageConfig): AdvantageOutput {
  const { scores, groups } = setup(input, 'grpo_vectorized');
  const f = Math.fround;
  const epsF32 = f(GRPO_EPSILON);
  const out = new Float64Array(scores.length);
  for (const rows of groups) {
    let count = 0;
    let s1 = 0;
    let s2 = 0;
    for (const i of rows) {
      const x = f(scores[i]);
      count = f(count + 1);
      s1 = f(s1 + x);
      s2 = f(s2 + f(x * x));
    }
    let mu = f(s1 / Math.max(count, 1));
    const varNum = f(s2 - f(f(s1 * s1) / Math.max(count, 1)));
    const variance = f(varNum / Math.max(count - 1, 1));
    let sd = f(Math.sqrt(Math.max(variance, epsF32)));
    if (count <= 1) {
      mu = 0;
      sd = 1;
    }
    const denom = f(sd + epsF32);
    for (const i of rows) out[i] = config.normAdvByStdInGrpo ? (scores[i] - mu) / denom : scores[i] - mu;
  }
  return broadcast(out, input.responseMask);
}

/** grpo_passk: only each group's arg-max sample gets r_max − r_second (÷ (std + 1e-6) when normalising). */
export function grpoPasskAdvantage(input: AdvantageInput, config: AdvantageConfig): AdvantageOutput {
  const { scores, groups } = setup(input, 'grpo_passk');
  const index = input.index ?? [];
  const out = new Float64Array(scores.length);
  for (const rows of groups) {
    if (rows.length < 2) {
      throw new InputError(
        `advantage estimator 'grpo_passk': Pass@k requires at least 2 samples per group. ` +
          `Got ${rows.length} for group ${String(index[rows[0]])}.`,
      );
    }
    // Top-2 by score; among equal maxima the earliest row is the arg-max (the advantage is 0 then anyway).
    let best = rows[0];
    for (const i of rows) if (scores[i] > scores[best]) best = i;
    let second = -Infinity;
    for (const i of rows) if (i !== best && scores[i] > second) second = scores[i];
    let adv = scores[best] - second;
    if (config.normAdvByStdInGrpo) adv /= unbiasedStd(rows.map((i) => scores[i])) + GRPO_EPSILON;
    out[best] = adv;
  }
  return broadcast(out, input.responseMask);
}

/**
 * rloo: N·(s_i − mean)/(N − 1) for N > 1. A group of one keeps its raw score (upstream quirk 1: mirrored;
 * rloo_vectorized gives 0 there).
 */
export function rlooAdvantage(input: AdvantageInput): AdvantageOutput {
  const { scores, groups } = setup(input, 'rloo');
  const out = Float64Array.from(scores);
  for (const rows of groups) {
    const n = rows.length;
    if (n === 1) continue;
    const mu = mean(rows.map((i) => scores[i]));
    for (const i of rows) out[i] = (scores[i] * n) / (n - 1) - (mu * n) / (n - 1);
  }
  return broadcast(out, input.responseMask);
}

/** rloo_vectorized: (c·s_i − Σ_group s)/max(c − 1, 1)·[c > 1]; singletons get 0. */
export function rlooVectorizedAdvantage(input: AdvantageInput): AdvantageOutput {
  const { scores, groups } = setup(input, 'rloo_vectorized');
  const out = new Float64Array(scores.length);
  for (const rows of groups) {
    const c = rows.length;
    let sum = 0;
    for (const i of rows) sum += scores[i];
    for (const i of rows) out[i] = c > 1 ? (c * scores[i] - sum) / Math.max(c - 1, 1) : 0;
  }
  return broadcast(out, input.responseMask);
}

/** opo: baseline = length-weighted mean score of the group (0 for a group of one). */
export function opoAdvantage(input: AdvantageInput): AdvantageOutput {
  const { scores, groups } = setup(input, 'opo');
  const lengths = maskRowSums(input.responseMask);
  const out = new Float64Array(scores.length);
  for (const rows of groups) {
    let baseline = 0;
    if (rows.length > 1) {
      let num = 0;
      let den = 0;
      for (const i of rows) {
        num += lengths[i] * scores[i];
        den += lengths[i];
      }
      baseline = num / den;
    }
    for (const i of rows) out[i] = scores[i] - baseline;
  }
  return broadcast(out, input.responseMask);
}

/** gpg: α·(s − group mean), α = B / max(#non-zero scores in the batch, 1). */
export function gpgAdvantage(input: AdvantageInput): AdvantageOutput {
  const { scores, groups } = setup(input, 'gpg');
  let nonZero = 0;
  for (const s of scores) if (s !== 0) nonZero++;
  const alpha = scores.length / Math.max(nonZero, 1);
  const out = new Float64Array(scores.length);
  for (const rows of groups) {
    const mu = rows.length === 1 ? 0 : mean(rows.map((i) => scores[i]));
    for (const i of rows) out[i] = (alpha * (scores[i] - mu)) / 1.0;
  }
  return broadcast(out, input.responseMask);
}

/** reinforce_plus_plus_baseline: s − group mean, tiled, masked, whitened over the batch, masked again. */
export function reinforcePlusPlusBaselineAdvantage(input: AdvantageInput): AdvantageOutput {
  const { scores, groups } = setup(input, 'reinforce_plus_plus_baseline');
  const centred = new Float64Array(scores.length);
  for (const rows of groups) {
    const mu = rows.length === 1 ? 0 : mean(rows.map((i) => scores[i]));
    for (const i of rows) centred[i] = scores[i] - mu;
  }
  const mask = input.responseMask;
  const tiled = broadcast(centred, mask).advantages;
  let whitened: Mat;
  try {
    whitened = maskedWhiten(tiled, mask);
  } catch (err) {
    if (err instanceof InputError) throw new InputError(`advantage estimator 'reinforce_plus_plus_baseline': ${err.message}`);
    throw err;
  }
  for (let k = 0; k < whitened.data.length; k++) whitened.data[k] *= mask.data[k];
  return { advantages: whitened, returns: whitened };
}
