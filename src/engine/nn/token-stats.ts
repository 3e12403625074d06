/** Per-token statistics of logits: log-probability of given ids, entropy and Σπ², at a temperature. */
import type { Tensor } from '../graph.js';

export interface TokenStatsOptions {
  /** Logits are divided by this before everything else (verl's rollout temperature); default 1. */
  readonly temperature?: number;
  readonly entropy?: boolean;
  readonly sumPiSquared?: boolean;
}

export interface TokenStats {
  /** log softmax(logits/τ)[id] per position. */
  readonly logProbs: Tensor;
  /** −Σ π log π = logsumexp(z) − Σ π z (verl's entropy_from_logits), when asked for. */
  readonly entropy?: Tensor;
  /** Σ π², when asked for. */
  readonly sumPiSquared?: Tensor;
}

/**
 * Per-token statistics of logits [..., V] at ids [...] (int64): the log-probability of each id and optionally
 * the entropy and Σπ² of the distribution, sharing one logsumexp.
 */
export function tokenStats(logits: Tensor, ids: Tensor, o: TokenStatsOptions = {}): TokenStats {
  const g = logits.graph;
  const z = o.temperature !== undefined && o.temperature !== 1 ? g.div(logits, o.temperature) : logits;
  const lse = g.reduceLogSumExp(z, [-1], true);
  const picked = g.gatherElements(z, g.unsqueeze(ids, [-1]), -1);
  const logProbs = g.squeeze(g.sub(picked, lse), [-1]);
  let entropy: Tensor | undefined;
  let sumPiSquared: Tensor | undefined;
  if (o.entropy || o.sumPiSquared) {
    const p = g.exp(g.sub(z, lse));
    if (o.entropy) entropy = g.sub(g.squeeze(lse, [-1]), g.reduceSum(g.mul(p, z), [-1], false));
    if (o.sumPiSquared) sumPiSquared = g.reduceSum(g.mul(p, p), [-1], false);
  }
  return { logProbs, entropy, sumPiSquared };
}

/** log softmax(logits/τ) gathered at ids. */
export function logSoftmaxGather(logits: Tensor, ids: Tensor, temperature = 1): Tensor {
  return tokenStats(logits, ids, { temperature }).logProbs;
}

/** Entropy of softmax(logits/τ) over the last axis. */
export function entropyFromLogits(logits: Tensor, temperature = 1): Tensor {
  const g = logits.graph;
  const z = temperature !== 1 ? g.div(logits, temperature) : logits;
  const lse = g.reduceLogSumExp(z, [-1], true);
  const p = g.exp(g.sub(z, lse));
  return g.sub(g.squeeze(lse, [-1]), g.reduceSum(g.mul(p, z), [-1], false));
}

/** Σ π² of softmax(logits/τ) over the last axis. */
export function sumPiSquared(logits: Tensor, temperature = 1): Tensor {
  const g = logits.graph;
  const p = g.softmax(temperature !== 1 ? g.div(logits, temperature) : logits, -1);
  return g.reduceSum(g.mul(p, p), [-1], false);
}
