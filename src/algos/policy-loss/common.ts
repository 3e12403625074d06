/** Pieces shared by the policy losses: input checks, the clipped surrogate, and aggregation with gradients. */
import { ConfigError, InputError } from '../../util/errors.js';
import type { GlobalBatchInfo } from '../agg-loss.js';
import { aggLoss } from '../agg-loss.js';
import { clamp, clampGate, maxShare } from '../loss-result.js';
import type { Mat } from '../mat.js';
import { assertSameShape } from '../mat.js';
import type { PolicyLossConfig, PolicyLossInput, PolicyLossResult } from './types.js';

/** verl clamps log-ratios to ±20 before exponentiating, for stability. */
export const LOG_RATIO_BOUND = 20;

export function checkPolicyInput(input: PolicyLossInput, name: string): void {
  const where = `policy loss '${name}'`;
  const { logProb } = input;
  assertSameShape(input.oldLogProb, logProb, 'oldLogProb', 'logProb', where);
  assertSameShape(input.advantages, logProb, 'advantages', 'logProb', where);
  assertSameShape(input.responseMask, logProb, 'responseMask', 'logProb', where);
  if (input.rolloutIsWeights != null) assertSameShape(input.rolloutIsWeights, logProb, 'rolloutIsWeights', 'logProb', where);
}

export function clipBounds(config: PolicyLossConfig): { low: number; high: number } {
  return { low: config.clipRatioLow ?? config.clipRatio, high: config.clipRatioHigh ?? config.clipRatio };
}

export function requirePositive(value: number, key: string, name: string): void {
  if (!(value > 0)) throw new ConfigError(`${key} should be larger than 0 for policy loss '${name}', got ${value}`);
}

export interface Surrogate {
  /** −A·r */
  p1: number;
  /** −A·clip(r, 1 − ε_low, 1 + ε_high) */
  p2: number;
  /** max(p1, p2) */
  value: number;
  /** d value / d r, with torch's tie and clamp-boundary rules. */
  dValue: number;
}

/**
 * PPO's clipped surrogate for one token, written into `out` (reused across tokens: this runs once per token
 * of every micro-batch, so it allocates nothing).
 */
export function clippedSurrogate(adv: number, ratio: number, low: number, high: number, out: Surrogate = newSurrogate()): Surrogate {
  const p1 = -adv * ratio;
  const p2 = -adv * clamp(ratio, 1 - low, 1 + high);
  const s1 = maxShare(p1, p2);
  out.p1 = p1;
  out.p2 = p2;
  out.value = p1 > p2 ? p1 : p2 > p1 ? p2 : p1;
  out.dValue = s1 * -adv + (1 - s1) * -adv * clampGate(ratio, 1 - low, 1 + high);
  return out;
}

export function newSurrogate(): Surrogate {
  return { p1: 0, p2: 0, value: 0, dValue: 0 };
}

/**
 * Indices of the k largest values (ties: the earlier index first), in that order; O(n log k) with a heap,
 * since k is usually a small fraction of the tokens.
 */
export function topKIndices(values: ArrayLike<number>, k: number): number[] {
  // Min-heap on (value, −index): the root is the weakest of the current top k.
  const heap: number[] = [];
  const weaker = (a: number, b: number): boolean => values[a] < values[b] || (values[a] === values[b] && a > b);
  const siftDown = (i: number): void => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && weaker(heap[l], heap[m])) m = l;
      if (r < heap.length && weaker(heap[r], heap[m])) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  };
  for (let j = 0; j < values.length; j++) {
    if (heap.length < k) {
      heap.push(j);
      for (let i = heap.length - 1; i > 0; ) {
        const parent = (i - 1) >> 1;
        if (!weaker(heap[i], heap[parent])) break;
        [heap[i], heap[parent]] = [heap[parent], heap[i]];
        i = parent;
      }
    } else if (k > 0 && weaker(heap[0], j)) {
      heap[0] = j;
      siftDown(0);
    }
  }
  return heap.sort((a, b) => (weaker(a, b) ? 1 : weaker(b, a) ? -1 : 0));
}

/** log-ratio clamped to ±20 and the gradient gate of that clamp. */
export function clampedLogRatio(logProb: number, oldLogProb: number): { nkl: number; gate: number } {
  const d = logProb - oldLogProb;
  return { nkl: clamp(d, -LOG_RATIO_BOUND, LOG_RATIO_BOUND), gate: clampGate(d, -LOG_RATIO_BOUND, LOG_RATIO_BOUND) };
}

/**
 * Multiply the per-token losses (and their derivatives) by the rollout IS weights when given, aggregate with
 * agg_loss, and chain the aggregation weights into d loss / d logProb.
 */
export function aggregateTokenLoss(
  lossMat: Mat,
  dLossMat: Float64Array,
  mask: Mat,
  mode: string,
  global: GlobalBatchInfo | undefined,
  isWeights: Mat | null | undefined,
  metrics: Record<string, number>,
): PolicyLossResult {
  if (isWeights != null) {
    for (let k = 0; k < lossMat.data.length; k++) {
      lossMat.data[k] *= isWeights.data[k];
      dLossMat[k] *= isWeights.data[k];
    }
  }
  const { loss, weights } = aggLoss(lossMat, mask, mode, global);
  const grad = new Float64Array(lossMat.data.length);
  for (let k = 0; k < grad.length; k++) grad[k] = weights.data[k] === 0 ? 0 : weights.data[k] * dLossMat[k];
  return { loss, metrics, grad: { logProb: grad } };
}

export function requireRng(input: PolicyLossInput, name: string): NonNullable<PolicyLossInput['rng']> {
  if (input.rng === undefined) {
    throw new InputError(`policy loss '${name}' chooses tokens at random and needs a seeded Rng (input.rng)`);
  }
  return input.rng;
}
