/**
 * verl's agg_loss: reduce a per-token loss matrix to a scalar, returning also the coefficient of every token
 * (d loss / d loss_mat), since every mode is linear in the loss matrix. Global normalisers make the loss
 * additive over micro-batches: with batchNumTokens / globalBatchSize / lossScaleFactor taken from the whole
 * mini-batch, the sum of the micro-batch losses (and gradients) equals the mini-batch loss (and gradient).
 */
import { ConfigError } from '../util/errors.js';
import { didYouMean } from '../util/suggest.js';
import type { Mat } from './mat.js';
import { zerosLike } from './mat.js';

export const LOSS_AGG_MODES = [
  'token-mean',
  'seq-mean-token-sum',
  'seq-mean-token-mean',
  'seq-mean-token-sum-norm',
] as const;
export type LossAggMode = (typeof LOSS_AGG_MODES)[number];

export function lossAggModeNames(): string[] {
  return [...LOSS_AGG_MODES];
}

export function isLossAggMode(mode: string): mode is LossAggMode {
  return (LOSS_AGG_MODES as readonly string[]).includes(mode);
}

/** Throws a ConfigError naming `configKey` unless `mode` is a known loss_agg_mode. */
export function checkLossAggMode(mode: string, configKey = 'loss_agg_mode'): LossAggMode {
  if (isLossAggMode(mode)) return mode;
  throw new ConfigError(
    `${configKey}: Invalid loss_agg_mode: '${mode}'. Known: ${LOSS_AGG_MODES.join(', ')}.` + didYouMean(mode, LOSS_AGG_MODES),
  );
}

/**
 * Normalisers for the whole (global) mini-batch, as verl's config.global_batch_info. Each one left out falls
 * back to the local micro-batch value, exactly as verl.
 */
export interface GlobalBatchInfo {
  /** Data-parallel world size; multiplies the token-mean and seq-mean modes (default 1). */
  dpSize?: number;
  /** Σ loss mask over the global mini-batch (token-mean). */
  batchNumTokens?: number;
  /** Number of sequences with ≥ 1 valid token in the global mini-batch (seq-mean-*). */
  globalBatchSize?: number;
  /** Divisor for seq-mean-token-sum-norm (default: the padded response width T). */
  lossScaleFactor?: number;
}

/**
 * loss·mask, but 0 where the mask is 0. verl guards token-mean this way (masked_sum) but multiplies plainly in
 * the seq-mean modes, where a non-finite loss at a masked position (e.g. an overflowed ratio on padding) turns
 * the whole loss into NaN. Decision: guard every mode; results for finite inputs are identical.
 */
function maskedProduct(loss: number, mask: number): number {
  return mask !== 0 ? loss * mask : 0;
}

export interface AggResult {
  loss: number;
  /** d loss / d loss_mat, [B, T]. */
  weights: Mat;
}

export function aggLoss(lossMat: Mat, lossMask: Mat, mode: string, global: GlobalBatchInfo = {}): AggResult {
  const aggMode = checkLossAggMode(mode);
  const { rows, cols } = lossMat;
  const dp = global.dpSize ?? 1;
  const weights = zerosLike(lossMat);
  const L = lossMat.data;
  const M = lossMask.data;
  const W = weights.data;

  if (aggMode === 'token-mean') {
    let sum = 0;
    let count = 0;
    for (let k = 0; k < L.length; k++) {
      count += M[k];
      if (M[k] !== 0) sum += L[k] * M[k];
    }
    const n = global.batchNumTokens ?? count;
    for (let k = 0; k < L.length; k++) W[k] = M[k] !== 0 ? (M[k] / n) * dp : 0;
    return { loss: (sum / n) * dp, weights };
  }

  if (aggMode === 'seq-mean-token-sum-norm') {
    const factor = global.lossScaleFactor ?? cols;
    let sum = 0;
    for (let i = 0; i < rows; i++) {
      let s = 0;
      for (let t = 0; t < cols; t++) s += maskedProduct(L[i * cols + t], M[i * cols + t]);
      sum += s;
    }
    for (let k = 0; k < L.length; k++) W[k] = M[k] / factor;
    return { loss: sum / factor, weights };
  }

  // seq-mean-token-sum and seq-mean-token-mean: one value per sequence, averaged over non-empty sequences.
  const tokenMean = aggMode === 'seq-mean-token-mean';
  const seqLoss = new Float64Array(rows);
  const seqScale = new Float64Array(rows);
  let nonEmpty = 0;
  for (let i = 0; i < rows; i++) {
    let s = 0;
    let n = 0;
    for (let t = 0; t < cols; t++) {
      s += maskedProduct(L[i * cols + t], M[i * cols + t]);
      n += M[i * cols + t];
    }
    seqScale[i] = tokenMean ? 1 / (n + 1e-8) : 1;
    seqLoss[i] = tokenMean ? s / (n + 1e-8) : s;
    if (n > 0) nonEmpty++;
    else seqScale[i] = 0;
  }
  const g = global.globalBatchSize ?? nonEmpty;
  let sum = 0;
  for (let i = 0; i < rows; i++) if (seqScale[i] !== 0) sum += seqLoss[i];
  for (let i = 0; i < rows; i++) {
    for (let t = 0; t < cols; t++) W[i * cols + t] = ((M[i * cols + t] * seqScale[i]) / g) * dp;
  }
  return { loss: (sum / g) * dp, weights };
}
