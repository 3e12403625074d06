/**
 * One decoding step's token choice for a batch: greedy (argmax of the raw logits, first index on ties, like
 * torch.argmax) or sampling from the warped distribution (see logits-process.ts) by inverse CDF with the
 * project's seeded Rng. Each chosen token comes with its log-probability under the distribution it was drawn
 * from: the processed distribution when sampling, the raw softmax when greedy.
 */
import { Rng } from '../../util/rng.js';
import { checkSamplingParams, checkShape, processLogitsRow, type SamplingParams } from './logits-process.js';

export interface SampledTokens {
  /** Chosen token per row; -1 for rows that were not active. */
  tokenIds: Int32Array;
  /** log p(chosen token) per row; 0 for rows that were not active. */
  logProbs: Float32Array;
}

export interface SampleOptions {
  /** Rows to decode (default: all). Inactive rows draw no random numbers. */
  active?: ArrayLike<boolean | number>;
}

/**
 * Choose the next token of every active row of `logits` ([batch, vocab], row-major).
 * `rng` is one generator consumed row by row, or one generator per row (so a row's samples do not depend on
 * which other rows share its batch).
 */
export function sampleTokens(
  logits: Float32Array,
  batch: number,
  vocab: number,
  params: SamplingParams,
  rng: Rng | readonly Rng[],
  options: SampleOptions = {},
): SampledTokens {
  checkShape(logits, batch, vocab);
  checkSamplingParams(params);
  if (Array.isArray(rng) && rng.length !== batch) throw new Error(`sampleTokens: ${rng.length} generators for ${batch} rows`);
  const tokenIds = new Int32Array(batch).fill(-1);
  const logProbs = new Float32Array(batch);
  const processed = new Float32Array(vocab);
  const weights = new Float64Array(vocab);
  for (let b = 0; b < batch; b++) {
    if (options.active && !options.active[b]) continue;
    const row = logits.subarray(b * vocab, (b + 1) * vocab);
    if (!params.doSample) {
      const { id, logProb } = greedyRow(row, b);
      tokenIds[b] = id;
      logProbs[b] = logProb;
      continue;
    }
    processLogitsRow(row, params, processed, b);
    const gen = rng instanceof Rng ? rng : (rng as readonly Rng[])[b];
    const { id, logProb } = drawRow(processed, gen.next(), weights);
    tokenIds[b] = id;
    logProbs[b] = logProb;
  }
  return { tokenIds, logProbs };
}

function greedyRow(row: Float32Array, rowIndex: number): { id: number; logProb: number } {
  let best = 0;
  for (let i = 0; i < row.length; i++) {
    if (Number.isNaN(row[i])) throw new Error(`logits row ${rowIndex} has NaN at token ${i}`);
    if (row[i] > row[best]) best = i;
  }
  const max = row[best];
  if (max === -Infinity) throw new Error(`logits row ${rowIndex} has no finite value`);
  let z = 0;
  for (let i = 0; i < row.length; i++) z += Math.exp(row[i] - max);
  return { id: best, logProb: -Math.log(z) };
}

/** Inverse-CDF draw over the kept tokens (ascending token id) with uniform `u` in [0, 1). */
function drawRow(processed: Float32Array, u: number, weights: Float64Array): { id: number; logProb: number } {
  let max = -Infinity;
  for (let i = 0; i < processed.length; i++) if (processed[i] > max) max = processed[i];
  let z = 0;
  for (let i = 0; i < processed.length; i++) {
    const w = processed[i] === -Infinity ? 0 : Math.exp(processed[i] - max);
    weights[i] = w;
    z += w;
  }
  const target = u * z;
  let acc = 0;
  let chosen = -1;
  for (let i = 0; i < processed.length; i++) {
    if (weights[i] === 0) continue;
    acc += weights[i];
    chosen = i;
    if (acc > target) break;
  }
  return { id: chosen, logProb: processed[chosen] - max - Math.log(z) };
}

/** One independent generator per row, derived from `seed` (row r always gets the same stream). */
export function rowGenerators(seed: number, rows: number): Rng[] {
  const root = new Rng(seed);
  return Array.from({ length: rows }, () => root.fork());
}

/** verl's repeat(interleave=True): item i becomes items i·n … i·n + n − 1 (n samples per prompt). */
export function repeatInterleave<T>(items: readonly T[], n: number): T[] {
  if (!Number.isInteger(n) || n < 1) throw new Error(`repeatInterleave needs n >= 1, got ${n}`);
  const out: T[] = [];
  for (const item of items) for (let k = 0; k < n; k++) out.push(item);
  return out;
}
