/**
 * The logits warpers of Hugging Face `generate(do_sample=True)`, in HF's order: temperature, top-k, top-p,
 * each keeping at least one token (min_tokens_to_keep = 1). Pure functions over one row of logits.
 *
 * - temperature: x / T in float32, as torch divides a float32 tensor by a scalar.
 * - top-k: tokens strictly below the k-th largest value are removed, so ties with it are all kept.
 * - top-p: tokens are ordered by value, ties by token id (a stable ascending sort, which is what torch does
 *   for small vocabularies; for large ones torch's sort order among exactly-equal logits is unspecified);
 *   a token is removed when the probability mass at or below it is <= 1 - top_p, the largest always stays.
 *   Probabilities are computed in float64 (torch uses float32, so a token whose cumulative mass lies within
 *   float32 rounding of 1 - top_p may be decided differently).
 */
import { ConfigError } from '../../util/errors.js';

export interface SamplingParams {
  /** false → greedy decoding (argmax of the raw logits); the other settings are ignored. */
  doSample: boolean;
  /** Softmax temperature, > 0 when sampling. 1 = off. */
  temperature: number;
  /** Keep the k most likely tokens; <= 0 turns it off (verl/vLLM use -1, HF uses 0). */
  topK: number;
  /** Nucleus mass in [0, 1]; 1 turns it off. */
  topP: number;
}

export const GREEDY: SamplingParams = { doSample: false, temperature: 1, topK: -1, topP: 1 };

/** Refuse settings HF's warpers refuse, with the option named the way verl's config names it. */
export function checkSamplingParams(p: SamplingParams): void {
  if (!p.doSample) return;
  if (!(p.temperature > 0) || !Number.isFinite(p.temperature)) {
    throw new ConfigError(`temperature (=${p.temperature}) has to be a strictly positive number when do_sample is true; for greedy decoding set do_sample=false`);
  }
  if (!Number.isInteger(p.topK)) throw new ConfigError(`top_k (=${p.topK}) has to be an integer (-1 or 0 turns it off)`);
  if (!(p.topP >= 0 && p.topP <= 1)) throw new ConfigError(`top_p (=${p.topP}) has to be a number in [0, 1]`);
}

/** In-place k-th largest (1-based) of `values` (reorders it); O(n) average. */
function kthLargest(values: Float32Array, k: number): number {
  let lo = 0;
  let hi = values.length - 1;
  const target = k - 1; // index in descending order
  while (lo < hi) {
    const pivot = values[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i] > pivot) i++;
      while (values[j] < pivot) j--;
      if (i <= j) {
        const t = values[i];
        values[i] = values[j];
        values[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return values[target];
  }
  return values[target];
}

function checkFinite(row: Float32Array, rowIndex: number): void {
  for (let i = 0; i < row.length; i++) {
    if (Number.isNaN(row[i])) throw new Error(`logits row ${rowIndex} has NaN at token ${i}`);
  }
}

/**
 * Apply the warpers to one row: `out` receives the processed logits, -Infinity where a token is removed.
 * Returns the number of tokens kept.
 */
export function processLogitsRow(row: Float32Array, params: SamplingParams, out: Float32Array, rowIndex = 0): number {
  checkFinite(row, rowIndex);
  const v = row.length;
  if (params.temperature !== 1) {
    const t = Math.fround(params.temperature);
    for (let i = 0; i < v; i++) out[i] = row[i] / t;
  } else out.set(row);
  if (params.topK > 0 && params.topK < v) {
    const threshold = kthLargest(out.slice(), params.topK);
    for (let i = 0; i < v; i++) if (out[i] < threshold) out[i] = -Infinity;
  }
  if (params.topP < 1) applyTopP(out, params.topP);
  let kept = 0;
  for (let i = 0; i < v; i++) if (out[i] !== -Infinity) kept++;
  if (kept === 0) throw new Error(`logits row ${rowIndex} has no finite value`);
  return kept;
}

function applyTopP(out: Float32Array, topP: number): void {
  const v = out.length;
  let max = -Infinity;
  for (let i = 0; i < v; i++) if (out[i] > max) max = out[i];
  if (max === -Infinity) return;
  const probs = new Float64Array(v);
  let z = 0;
  for (let i = 0; i < v; i++) {
    const p = Math.exp(out[i] - max);
    probs[i] = p;
    z += p;
  }
  for (let i = 0; i < v; i++) probs[i] /= z;
  // Only tokens above a threshold whose total mass reaches top_p can survive, so sort just those: pick the
  // largest threshold whose tokens carry at least top_p (all tokens below it are removed by HF's rule too).
  const taus = [2 ** -10, 2 ** -20, 2 ** -40, 0];
  const mass = new Float64Array(taus.length);
  const count = new Int32Array(taus.length);
  for (let i = 0; i < v; i++) {
    const p = probs[i];
    if (p === 0) continue;
    for (let t = 0; t < taus.length; t++) {
      if (p >= taus[t]) {
        mass[t] += p;
        count[t]++;
      }
    }
  }
  let level = taus.length - 1;
  for (let t = 0; t < taus.length; t++) {
    if (count[t] > 0 && mass[t] >= topP) {
      level = t;
      break;
    }
  }
  const tau = taus[level];
  const candidates: number[] = [];
  // Mass of everything below the candidates: the start of HF's ascending cumulative sum.
  let cumulative = 0;
  for (let i = 0; i < v; i++) {
    if (probs[i] > 0 && probs[i] >= tau) candidates.push(i);
    else {
      cumulative += probs[i];
      out[i] = -Infinity;
    }
  }
  const order = sortAscending(out, candidates);
  const limit = 1 - topP;
  for (let r = 0; r < order.length - 1; r++) {
    cumulative += probs[order[r]];
    if (cumulative <= limit) out[order[r]] = -Infinity;
  }
}

const INDEX_RANGE = 2 ** 21;

/**
 * `ids` ordered by (value ascending, id ascending). Each id is packed with its value's order-preserving float32
 * bit pattern into one exactly representable double (32 + 21 bits), so a native typed-array sort does the work.
 */
function sortAscending(values: Float32Array, ids: readonly number[]): Int32Array {
  if (values.length > INDEX_RANGE) throw new Error(`top-p supports vocabularies up to ${INDEX_RANGE} tokens`);
  const bits = new Uint32Array(1);
  const f = new Float32Array(bits.buffer);
  const keys = new Float64Array(ids.length);
  for (let r = 0; r < ids.length; r++) {
    f[0] = values[ids[r]];
    const u = bits[0];
    const sortable = u & 0x80000000 ? ~u >>> 0 : (u | 0x80000000) >>> 0;
    keys[r] = sortable * INDEX_RANGE + ids[r];
  }
  keys.sort();
  const out = new Int32Array(ids.length);
  for (let r = 0; r < keys.length; r++) out[r] = keys[r] % INDEX_RANGE;
  return out;
}

/** Apply the warpers to a [batch, vocab] row-major array. */
export function processLogits(logits: Float32Array, batch: number, vocab: number, params: SamplingParams): Float32Array {
  checkShape(logits, batch, vocab);
  const out = new Float32Array(logits.length);
  for (let b = 0; b < batch; b++) processLogitsRow(logits.subarray(b * vocab, (b + 1) * vocab), params, out.subarray(b * vocab, (b + 1) * vocab), b);
  return out;
}

/** log-softmax of one row in float64 (-Infinity entries stay -Infinity). */
export function logSoftmaxRow(row: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) if (row[i] > max) max = row[i];
  let z = 0;
  for (let i = 0; i < row.length; i++) z += Math.exp(row[i] - max);
  const logZ = max + Math.log(z);
  const out = new Float64Array(row.length);
  for (let i = 0; i < row.length; i++) out[i] = row[i] - logZ;
  return out;
}

export function checkShape(logits: ArrayLike<number>, batch: number, vocab: number): void {
  if (!Number.isInteger(batch) || batch < 0 || !Number.isInteger(vocab) || vocab <= 0 || logits.length !== batch * vocab) {
    throw new Error(`logits have ${logits.length} values, expected batch ${batch} × vocab ${vocab}`);
  }
}
