/**
 * verl's per-step metrics from the batch (compute_data_metrics), the phase timers (compute_timing_metrics) and
 * throughput (compute_throughout_metrics), with verl's key names.
 */
import type { Batch } from '../data/batch.js';
import { maskedRowSums, maskRowSums } from '../algos/index.js';
import { matOf } from './columns.js';

export type Metrics = Record<string, number>;

function stats(prefix: string, xs: ArrayLike<number>): Metrics {
  if (xs.length === 0) return {};
  let sum = 0;
  let max = -Infinity;
  let min = Infinity;
  for (let i = 0; i < xs.length; i++) {
    sum += xs[i];
    if (xs[i] > max) max = xs[i];
    if (xs[i] < min) min = xs[i];
  }
  return { [`${prefix}/mean`]: sum / xs.length, [`${prefix}/max`]: max, [`${prefix}/min`]: min };
}

/** Values at valid tokens (mask ≠ 0). */
function validTokens(values: ReturnType<typeof matOf>, mask: ReturnType<typeof matOf>): number[] {
  const out: number[] = [];
  for (let k = 0; k < mask.data.length; k++) if (mask.data[k] !== 0) out.push(values.data[k]);
  return out;
}

function unbiasedVar(xs: readonly number[]): number {
  if (xs.length < 2) return Number.NaN;
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1);
}

function lengthStats(prefix: string, lengths: ArrayLike<number>, width: number): Metrics {
  let clipped = 0;
  for (let i = 0; i < lengths.length; i++) if (lengths[i] === width) clipped++;
  return { ...stats(prefix, lengths), [`${prefix}/clip_ratio`]: lengths.length ? clipped / lengths.length : 0 };
}

/** compute_data_metrics: scores, rewards, advantages, returns, values, lengths ("aborted" = empty response). */
export function dataMetrics(batch: Batch, withCritic: boolean): Metrics {
  const mask = matOf(batch, 'response_mask');
  const responseWidth = mask.cols;
  const responseLengths = maskRowSums(matOf(batch, 'response_mask'));
  const promptMask = batch.tensor('attention_mask');
  const promptWidth = batch.tensor('prompts').shape[1];
  const promptLengths = new Int32Array(batch.size);
  for (let i = 0; i < batch.size; i++) {
    let n = 0;
    for (let t = 0; t < promptWidth; t++) n += promptMask.data[i * promptMask.shape[1] + t];
    promptLengths[i] = n;
  }
  const live = Array.from(responseLengths.keys()).filter((i) => responseLengths[i] > 0);
  const scores = maskedRowSums(matOf(batch, 'token_level_scores'), mask);
  const rewards = maskedRowSums(matOf(batch, 'token_level_rewards'), mask);
  const m: Metrics = {
    ...stats('critic/score', live.map((i) => scores[i])),
    ...stats('critic/rewards', live.map((i) => rewards[i])),
    ...stats('critic/advantages', validTokens(matOf(batch, 'advantages'), mask)),
    ...stats('critic/returns', validTokens(matOf(batch, 'returns'), mask)),
  };
  if (withCritic && batch.hasTensor('values')) {
    const v = validTokens(matOf(batch, 'values'), mask);
    const r = validTokens(matOf(batch, 'returns'), mask);
    Object.assign(m, stats('critic/values', v));
    m['critic/vf_explained_var'] = 1 - unbiasedVar(r.map((x, i) => x - v[i])) / (unbiasedVar(r) + 1e-5);
  }
  Object.assign(m, lengthStats('response_length', responseLengths, responseWidth));
  if (live.length > 0) Object.assign(m, lengthStats('response_length_non_aborted', live.map((i) => responseLengths[i]), responseWidth));
  m['response/aborted_ratio'] = 1 - live.length / Math.max(1, batch.size);
  Object.assign(m, lengthStats('prompt_length', promptLengths, promptWidth));
  return m;
}

/** Tokens each phase processed: response tokens for generation, prompt + response for the others. */
export function timingMetrics(seconds: Record<string, number>, batch: Batch): Metrics {
  const responseTokens = maskRowSums(matOf(batch, 'response_mask')).reduce((a, b) => a + b, 0);
  const allTokens = maskRowSums(matOf(batch, 'attention_mask')).reduce((a, b) => a + b, 0);
  const m: Metrics = {};
  for (const [name, s] of Object.entries(seconds)) m[`timing_s/${name}`] = s;
  if (seconds.gen !== undefined && responseTokens > 0) m['timing_per_token_ms/gen'] = (seconds.gen * 1000) / responseTokens;
  for (const name of ['ref', 'values', 'adv', 'update_critic', 'update_actor']) {
    if (seconds[name] !== undefined && allTokens > 0) m[`timing_per_token_ms/${name}`] = (seconds[name] * 1000) / allTokens;
  }
  return m;
}

export function throughputMetrics(stepSeconds: number, batch: Batch): Metrics {
  const tokens = maskRowSums(matOf(batch, 'attention_mask')).reduce((a, b) => a + b, 0);
  return { 'perf/total_num_tokens': tokens, 'perf/time_per_step': stepSeconds, 'perf/throughput': tokens / stepSeconds };
}

/**
 * compute_variance_proxy_metrics (only with Σπ²): signal strength ‖ḡ‖² from the actor's grad norm, total power
 * mean(Ā²·max(W, 0)) with Ā the sequence-mean advantage and W = Σ_t (1 − 2π_t + Σπ²_t) over valid tokens.
 */
export function varianceProxyMetrics(batch: Batch, gradNorm: number | undefined): Metrics {
  if (!batch.hasTensor('sum_pi_squared') || gradNorm === undefined) return {};
  const mask = matOf(batch, 'response_mask');
  const adv = matOf(batch, 'advantages');
  const logp = matOf(batch, 'old_log_probs');
  const sp = matOf(batch, 'sum_pi_squared');
  const B = mask.rows;
  const T = mask.cols;
  let power = 0;
  let eA2 = 0;
  let eW = 0;
  for (let i = 0; i < B; i++) {
    let a = 0;
    let n = 0;
    let w = 0;
    for (let t = 0; t < T; t++) {
      const k = i * T + t;
      if (mask.data[k] === 0) continue;
      a += adv.data[k];
      n++;
      w += 1 - 2 * Math.exp(logp.data[k]) + sp.data[k];
    }
    const abar = n > 0 ? a / n : 0;
    power += abar * abar * Math.max(w, 0);
    eA2 += abar * abar;
    eW += w;
  }
  const p1 = gradNorm * gradNorm;
  const p2 = power / B;
  return {
    'variance_proxy/proxy1_signal_strength': p1,
    'variance_proxy/proxy2_total_power': p2,
    'variance_proxy/proxy3_pure_noise': Math.max(0, (p2 - p1) / Math.max(1, B - 1)),
    'variance_proxy/expected_a_squared': eA2 / B,
    'variance_proxy/expected_w': eW / B,
  };
}

export function cpuMemoryMetrics(): Metrics {
  return { 'perf/cpu_memory_used_gb': process.memoryUsage().rss / 1024 ** 3 };
}
