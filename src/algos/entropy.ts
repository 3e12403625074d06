/**
 * Entropy of the policy's next-token distribution from logits (verl's entropy_from_logits:
 * logsumexp(z) − Σ softmax(z)·z), its aggregation as an entropy bonus, and Σπ² (used by the OTB estimators).
 */
import { InputError } from '../util/errors.js';
import type { GlobalBatchInfo } from './agg-loss.js';
import { aggLoss } from './agg-loss.js';
import type { LossResult } from './loss-result.js';
import type { Mat } from './mat.js';
import { assertSameShape, zeros } from './mat.js';

/** [B, T, V] logits, row-major (vocabulary fastest). */
export interface Logits {
  readonly data: Float64Array;
  readonly rows: number;
  readonly cols: number;
  readonly vocab: number;
}

export function logitsOf(data: Float64Array, rows: number, cols: number, vocab: number): Logits {
  if (data.length !== rows * cols * vocab) {
    throw new InputError(`logits have ${data.length} elements, expected ${rows}·${cols}·${vocab}`);
  }
  return { data, rows, cols, vocab };
}

/** Per position: softmax probabilities written into `probs` (length V); returns logsumexp. */
function softmaxAt(logits: Logits, pos: number, probs: Float64Array): number {
  const { data, vocab } = logits;
  const base = pos * vocab;
  let max = -Infinity;
  for (let v = 0; v < vocab; v++) if (data[base + v] > max) max = data[base + v];
  let sum = 0;
  for (let v = 0; v < vocab; v++) {
    probs[v] = Math.exp(data[base + v] - max);
    sum += probs[v];
  }
  for (let v = 0; v < vocab; v++) probs[v] /= sum;
  return max + Math.log(sum);
}

/** [B, T] token entropies. */
export function entropyFromLogits(logits: Logits): Mat {
  const out = zeros(logits.rows, logits.cols);
  const probs = new Float64Array(logits.vocab);
  for (let pos = 0; pos < out.data.length; pos++) {
    const lse = softmaxAt(logits, pos, probs);
    let expected = 0;
    for (let v = 0; v < logits.vocab; v++) expected += probs[v] * logits.data[pos * logits.vocab + v];
    out.data[pos] = lse - expected;
  }
  return out;
}

/** [B, T] Σ_v π(v)², computed as exp(logsumexp(2z) − 2·logsumexp(z)) like verl. */
export function sumPiSquaredFromLogits(logits: Logits): Mat {
  const out = zeros(logits.rows, logits.cols);
  const { data, vocab } = logits;
  for (let pos = 0; pos < out.data.length; pos++) {
    const base = pos * vocab;
    let max = -Infinity;
    for (let v = 0; v < vocab; v++) if (data[base + v] > max) max = data[base + v];
    let s1 = 0;
    let s2 = 0;
    for (let v = 0; v < vocab; v++) {
      s1 += Math.exp(data[base + v] - max);
      s2 += Math.exp(2 * (data[base + v] - max));
    }
    const lse1 = max + Math.log(s1);
    const lse2 = 2 * max + Math.log(s2);
    out.data[pos] = Math.exp(lse2 - 2 * lse1);
  }
  return out;
}

/** Aggregated entropy from per-token entropies, with d / d tokenEntropy (the agg weights). */
export function aggregateEntropy(
  tokenEntropy: Mat,
  responseMask: Mat,
  lossAggMode: string,
  global: GlobalBatchInfo = {},
): LossResult<'entropy'> {
  assertSameShape(responseMask, tokenEntropy, 'responseMask', 'token entropy', 'entropy');
  const { loss, weights } = aggLoss(tokenEntropy, responseMask, lossAggMode, global);
  return { loss, metrics: { 'actor/entropy': loss }, grad: { entropy: weights.data } };
}

/**
 * Aggregated entropy straight from logits, with d / d logits: dH/dz_v = −π_v·(z_v − Σ_u π_u z_u) per position,
 * times that position's aggregation weight. Also returns the token entropies.
 */
export function computeEntropyLoss(
  logits: Logits,
  responseMask: Mat,
  lossAggMode: string,
  global: GlobalBatchInfo = {},
): LossResult<'logits'> & { tokenEntropy: Mat } {
  if (responseMask.rows !== logits.rows || responseMask.cols !== logits.cols) {
    throw new InputError(
      `entropy: responseMask has shape [${responseMask.rows}, ${responseMask.cols}], expected [${logits.rows}, ${logits.cols}] (the logits' first two dimensions)`,
    );
  }
  const tokenEntropy = entropyFromLogits(logits);
  const { loss, weights } = aggLoss(tokenEntropy, responseMask, lossAggMode, global);
  const { vocab } = logits;
  const grad = new Float64Array(logits.data.length);
  const probs = new Float64Array(vocab);
  for (let pos = 0; pos < tokenEntropy.data.length; pos++) {
    const w = weights.data[pos];
    if (w === 0) continue;
    softmaxAt(logits, pos, probs);
    let expected = 0;
    for (let v = 0; v < vocab; v++) expected += probs[v] * logits.data[pos * vocab + v];
    for (let v = 0; v < vocab; v++) grad[pos * vocab + v] = -w * probs[v] * (logits.data[pos * vocab + v] - expected);
  }
  return { loss, metrics: { 'actor/entropy': loss }, grad: { logits: grad }, tokenEntropy };
}
