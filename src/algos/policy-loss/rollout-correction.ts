/**
 * Rollout correction (verl/trainer/ppo/rollout_corr_helper.py): truncated importance-sampling weights
 * π_train/π_rollout at token or sequence level, rejection masks from divergence estimators (token_k1..3,
 * seq_sum_k1..3, seq_mean_k1..3, seq_max_k2/k3; a comma-separated list is combined with AND), and the
 * off-policy diagnostics. Every metric carries verl's name under the `rollout_corr/` prefix.
 * Nothing here is differentiated: the weights and masks are constants for the loss.
 */
import { ConfigError, InputError } from '../../util/errors.js';
import { didYouMean } from '../../util/suggest.js';
import { clamp } from '../loss-result.js';
import type { Mat } from '../mat.js';
import { assertSameShape, zerosLike } from '../mat.js';
import { maskedMean, maskedRowMeans, maskedRowSums, maskRowSums, maskSum } from '../masked.js';

/** exp(±20) bounds every exponentiated log-ratio. */
const SAFETY_BOUND = 20;

export const ROLLOUT_RS_OPTIONS = [
  'token_k1',
  'token_k2',
  'token_k3',
  'seq_sum_k1',
  'seq_sum_k2',
  'seq_sum_k3',
  'seq_mean_k1',
  'seq_mean_k2',
  'seq_mean_k3',
  'seq_max_k2',
  'seq_max_k3',
] as const;

export interface RolloutCorrectionConfig {
  /** "token" | "sequence" | null (off). */
  rolloutIs?: string | null;
  /** Upper truncation of the IS weights (default 2.0; null turns IS weights off). */
  rolloutIsThreshold?: number | null;
  /** Renormalise the truncated weights to mean 1 over the batch. */
  rolloutIsBatchNormalize?: boolean;
  /** Comma-separated rejection options, e.g. "token_k1,seq_mean_k3"; null for none. */
  rolloutRs?: string | null;
  /** One threshold shared by all options or one per option, comma-separated; k1 options take "lower_upper". */
  rolloutRsThreshold?: string | number | null;
  /** algorithm.rollout_correction.bypass_mode (read by the trainer). */
  bypassMode?: boolean;
  /** bypass_mode's loss: "ppo_clip" (default) or "reinforce". */
  lossType?: string;
}

type Metrics = Record<string, number>;

function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
}

function unbiasedStd(xs: ArrayLike<number>): number {
  const mu = mean(xs);
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += (xs[i] - mu) ** 2;
  return Math.sqrt(s / (xs.length - 1));
}

function maxOf(xs: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < xs.length; i++) if (xs[i] > m || Number.isNaN(xs[i])) m = xs[i];
  return m;
}

function minOf(xs: ArrayLike<number>): number {
  let m = Infinity;
  for (let i = 0; i < xs.length; i++) if (xs[i] < m || Number.isNaN(xs[i])) m = xs[i];
  return m;
}

function maskedValues(values: Mat, mask: Mat): number[] {
  const out: number[] = [];
  for (let k = 0; k < values.data.length; k++) if (mask.data[k] !== 0) out.push(values.data[k]);
  return out;
}

function mapped(m: Mat, f: (x: number, k: number) => number): Mat {
  const out = zerosLike(m);
  for (let k = 0; k < m.data.length; k++) out.data[k] = f(m.data[k], k);
  return out;
}

/** verl's `cond.float().mean()`: a float32 mean, so the result is rounded to float32 as there. */
function fractionOf(xs: ArrayLike<number>, pred: (x: number) => boolean): number {
  let c = 0;
  for (let i = 0; i < xs.length; i++) if (pred(xs[i])) c++;
  return Math.fround(Math.fround(c) / Math.fround(xs.length));
}

function requireAnyValid(mask: Mat): void {
  if (!mask.data.some((x) => x !== 0)) throw new InputError('response_mask must contain at least one valid token (1).');
}

/** verl builds its log thresholds from float32 tensors; mirrored so threshold comparisons agree exactly. */
function float32Log(x: number): number {
  return Math.fround(Math.log(Math.fround(x)));
}

/** Truncated IS weights (token or sequence level) and their rollout_is_* metrics (unprefixed). */
export function computeRolloutCorrectionWeights(
  logRatio: Mat,
  mask: Mat,
  level: string,
  threshold: number,
  batchNormalize: boolean,
): { weights: Mat; metrics: Metrics } {
  if (level !== 'token' && level !== 'sequence') {
    throw new ConfigError(
      `algorithm.rollout_correction.rollout_is: Invalid rollout_is: '${level}'. Must be one of token, sequence.` +
        didYouMean(level, ['token', 'sequence']),
    );
  }
  if (!(threshold > 0)) {
    throw new ConfigError(`algorithm.rollout_correction.rollout_is_threshold must be positive, got ${threshold}.`);
  }
  const { rows, cols } = logRatio;
  let weights: Mat;
  let seqLogRatio: Float64Array | null = null;
  if (level === 'token') {
    weights = mapped(logRatio, (x, k) => Math.exp(clamp(x, -SAFETY_BOUND, SAFETY_BOUND)) * mask.data[k]);
  } else {
    seqLogRatio = maskedRowSums(logRatio, mask);
    const sums = seqLogRatio;
    weights = mapped(logRatio, (_, k) => Math.exp(clamp(sums[Math.floor(k / cols)], -SAFETY_BOUND, SAFETY_BOUND)) * mask.data[k]);
  }
  const metrics = isMetrics(weights, seqLogRatio, mask, threshold);
  for (let k = 0; k < weights.data.length; k++) weights.data[k] = Math.min(weights.data[k], threshold);
  if (batchNormalize) {
    let weightsMean: number;
    if (level === 'token') {
      weightsMean = maskedMean(weights, mask);
    } else {
      const seqWeights = maskedRowMeans(weights, mask);
      const lengths = maskRowSums(mask);
      let num = 0;
      let den = 0;
      for (let i = 0; i < rows; i++) {
        const valid = lengths[i] > 0 ? 1 : 0;
        num += seqWeights[i] * valid;
        den += valid;
      }
      weightsMean = num / Math.max(den, 1e-8);
    }
    if (weightsMean > 1e-8) {
      for (let k = 0; k < weights.data.length; k++) weights.data[k] /= weightsMean;
      metrics.rollout_is_batch_norm_factor = weightsMean;
    } else {
      metrics.rollout_is_batch_norm_factor = 1.0;
    }
  }
  return { weights, metrics };
}

function isMetrics(weights: Mat, seqLogRatio: Float64Array | null, mask: Mat, threshold: number): Metrics {
  requireAnyValid(mask);
  const metrics: Metrics = {};
  const lower = 1.0 / threshold;
  if (seqLogRatio !== null) {
    const logUpper = float32Log(threshold);
    const logLower = float32Log(lower);
    metrics.rollout_is_max = Math.exp(Math.min(maxOf(seqLogRatio), SAFETY_BOUND));
    metrics.rollout_is_min = Math.exp(minOf(seqLogRatio));
    metrics.rollout_is_mean = maskedMean(weights, mask);
    metrics.rollout_is_ratio_fraction_high = fractionOf(seqLogRatio, (x) => x > logUpper);
    metrics.rollout_is_ratio_fraction_low = fractionOf(seqLogRatio, (x) => x < logLower);
  } else {
    const thresholdF = threshold;
    metrics.rollout_is_mean = maskedMean(weights, mask);
    metrics.rollout_is_ratio_fraction_high = maskedMean(mapped(weights, (w) => (w > thresholdF ? 1 : 0)), mask);
    metrics.rollout_is_ratio_fraction_low = maskedMean(mapped(weights, (w) => (w < lower ? 1 : 0)), mask);
    const valid = maskedValues(weights, mask);
    metrics.rollout_is_max = maxOf(valid);
    metrics.rollout_is_min = minOf(valid);
  }
  const clamped = mapped(weights, (w) => clamp(w, lower, threshold));
  if (maskSum(mask) > 1) {
    const mu = maskedMean(clamped, mask);
    const variance = maskedMean(mapped(clamped, (w) => w * w), mask) - mu * mu;
    metrics.rollout_is_std = Math.sqrt(Math.max(variance, 0));
  } else {
    metrics.rollout_is_std = 0.0;
  }
  const muEss = maskedMean(clamped, mask);
  metrics.rollout_is_eff_sample_size = 1.0 / maskedMean(mapped(clamped, (w) => (w / (muEss + 1e-8)) ** 2), mask);
  const seqMeans = maskedRowMeans(weights, mask);
  metrics.rollout_is_seq_mean = mean(seqMeans);
  metrics.rollout_is_seq_std = seqMeans.length > 1 ? unbiasedStd(seqMeans) : 0.0;
  metrics.rollout_is_seq_max = maxOf(seqMeans);
  metrics.rollout_is_seq_min = minOf(seqMeans);
  metrics.rollout_is_seq_max_deviation = maxOf(seqMeans.map((x) => Math.abs(x - 1.0)));
  metrics.rollout_is_seq_fraction_high = fractionOf(seqMeans, (x) => x > threshold);
  metrics.rollout_is_seq_fraction_low = fractionOf(seqMeans, (x) => x < lower);
  return metrics;
}

interface RsThreshold {
  lower: number | null;
  upper: number;
}

function parseNumber(spec: string, option: string): number {
  const x = spec.trim() === '' ? NaN : Number(spec);
  if (Number.isNaN(x)) {
    throw new ConfigError(`algorithm.rollout_correction.rollout_rs_threshold: Invalid numeric threshold '${spec}' for option '${option}'.`);
  }
  return x;
}

function parseRsThresholds(options: string[], spec: string | number | null | undefined): Map<string, RsThreshold> {
  const key = 'algorithm.rollout_correction.rollout_rs_threshold';
  if (spec === null || spec === undefined) {
    throw new ConfigError(`${key} must be provided for rejection sampling (rollout_rs is set).`);
  }
  let specs = typeof spec === 'number' ? [String(spec)] : spec.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (specs.length === 0) throw new ConfigError(`${key} must contain at least one threshold value.`);
  if (specs.length !== 1 && specs.length !== options.length) {
    throw new ConfigError(
      `${key} expects either one threshold shared by all options or exactly ${options.length} thresholds ` +
        `to match the provided rollout_rs options (got ${specs.length}).`,
    );
  }
  if (specs.length === 1 && options.length > 1) specs = options.map(() => specs[0]);
  const out = new Map<string, RsThreshold>();
  options.forEach((option, j) => {
    const s = specs[j];
    if (option.endsWith('k1')) {
      let lower: number;
      let upper: number;
      if (s.includes('_')) {
        const cut = s.indexOf('_');
        lower = parseNumber(s.slice(0, cut), option);
        upper = parseNumber(s.slice(cut + 1), option);
      } else {
        upper = parseNumber(s, option);
        lower = 1.0 / upper;
      }
      if (lower <= 0 || upper <= 0) throw new ConfigError(`${key}: Thresholds for option '${option}' must be positive, got ${s}.`);
      out.set(option, { lower, upper });
    } else {
      if (s.includes('_')) {
        throw new ConfigError(`${key} for option '${option}' must provide a single upper bound without '_'. Received '${s}'.`);
      }
      const upper = parseNumber(s, option);
      if (upper <= 0) throw new ConfigError(`${key}: Threshold for option '${option}' must be positive, got ${s}.`);
      out.set(option, { lower: null, upper });
    }
  });
  return out;
}

/** The rejection options listed in `rolloutRs`, deduplicated in order; unknown ones throw. */
export function parseRolloutRsOptions(rolloutRs: string): string[] {
  const key = 'algorithm.rollout_correction.rollout_rs';
  const options = rolloutRs.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (options.length === 0) throw new ConfigError(`${key} must contain at least one valid option.`);
  const out: string[] = [];
  for (const opt of options) {
    if (!(ROLLOUT_RS_OPTIONS as readonly string[]).includes(opt)) {
      throw new ConfigError(
        `${key}: Invalid rollout_rs option: '${opt}'. Must be one of ${[...ROLLOUT_RS_OPTIONS].sort().join(', ')}.` +
          didYouMean(opt, ROLLOUT_RS_OPTIONS),
      );
    }
    if (!out.includes(opt)) out.push(opt);
  }
  return out;
}

/** Rejection mask (tokens or whole sequences whose divergence statistic is out of bounds) and its metrics. */
export function computeRolloutRejectionMask(
  logRatio: Mat,
  mask: Mat,
  rolloutRs: string,
  threshold: string | number | null | undefined,
): { mask: Mat; metrics: Metrics } {
  if (logRatio.rows === 0) return { mask, metrics: {} };
  const options = parseRolloutRsOptions(rolloutRs);
  const thresholds = parseRsThresholds(options, threshold);
  const { rows, cols } = logRatio;
  const safe = mapped(logRatio, (x) => clamp(x, -SAFETY_BOUND, SAFETY_BOUND));
  const tokenStats: Record<'k1' | 'k2' | 'k3', Mat> = {
    k1: mapped(safe, (x) => -x),
    k2: mapped(safe, (x) => 0.5 * x ** 2),
    k3: mapped(safe, (x) => Math.exp(x) - 1.0 - x),
  };
  const lengths = maskRowSums(mask);
  const seqValid = Array.from(lengths, (l) => l > 0);
  const combined = mapped(mask, () => 1);
  const metrics: Metrics = {};

  for (const option of options) {
    const th = thresholds.get(option) as RsThreshold;
    const isK1 = option.endsWith('k1');
    const lowerLog = isK1 ? Math.log(th.lower as number) : null;
    const upperLog = isK1 ? Math.log(th.upper) : null;
    const estimator = option.slice(-2) as 'k1' | 'k2' | 'k3';
    const inBounds = (x: number): boolean => (isK1 ? x >= (lowerLog as number) && x <= (upperLog as number) : x <= th.upper);
    const stat = tokenStats[estimator];
    let perToken: Mat;
    let perSequence: Float64Array | null = null;
    if (option.startsWith('token_')) {
      perToken = stat;
    } else {
      if (option.startsWith('seq_sum_')) perSequence = maskedRowSums(stat, mask);
      else if (option.startsWith('seq_mean_')) perSequence = maskedRowMeans(stat, mask);
      else perSequence = maskedRowMaxOrZero(stat, mask);
      const seq = perSequence;
      perToken = mapped(stat, (_, k) => seq[Math.floor(k / cols)]);
    }
    const keep = mapped(perToken, (x) => (inBounds(x) ? 1 : 0));
    for (let k = 0; k < keep.data.length; k++) combined.data[k] *= keep.data[k];
    Object.assign(
      metrics,
      rsMetrics(option, perToken, mask, seqValid, option.startsWith('token_') ? 'token' : 'sequence', perSequence, {
        upper: isK1 ? (upperLog as number) : th.upper,
        lower: isK1 ? (lowerLog as number) : 0.0,
        applyLower: isK1,
      }),
    );
    metrics[`rollout_rs_${option}_masked_fraction`] = maskedMean(mapped(keep, (x) => 1 - x), mask);
    let validSeqs = 0;
    let rejectedSeqs = 0;
    for (let i = 0; i < rows; i++) {
      if (!seqValid[i]) continue;
      validSeqs++;
      let kept = true;
      for (let t = 0; t < cols; t++) if (keep.data[i * cols + t] === 0 && mask.data[i * cols + t] !== 0) kept = false;
      if (!kept) rejectedSeqs++;
    }
    metrics[`rollout_rs_${option}_seq_masked_fraction`] = validSeqs > 0 ? rejectedSeqs / validSeqs : 0.0;
  }
  metrics.rollout_rs_masked_fraction = maskedMean(mapped(combined, (x) => 1 - x), mask);
  let seqsWithRejection = 0;
  for (let i = 0; i < rows; i++) {
    let any = false;
    for (let t = 0; t < cols; t++) {
      const k = i * cols + t;
      if (mask.data[k] !== 0 && !(combined.data[k] > 0.5)) any = true;
    }
    if (any) seqsWithRejection++;
  }
  metrics.rollout_rs_seq_masked_fraction = Math.fround(seqsWithRejection / rows); // float32 mean in verl
  return { mask: mapped(mask, (m, k) => m * combined.data[k]), metrics };
}

function maskedRowMaxOrZero(values: Mat, mask: Mat): Float64Array {
  const out = new Float64Array(values.rows);
  for (let i = 0; i < values.rows; i++) {
    let m = -Infinity;
    for (let t = 0; t < values.cols; t++) {
      const k = i * values.cols + t;
      if (mask.data[k] !== 0 && values.data[k] > m) m = values.data[k];
    }
    out[i] = m === -Infinity ? 0 : m;
  }
  return out;
}

function rsMetrics(
  option: string,
  stat: Mat,
  mask: Mat,
  seqValid: boolean[],
  level: 'token' | 'sequence',
  perSequence: Float64Array | null,
  th: { upper: number; lower: number; applyLower: boolean },
): Metrics {
  requireAnyValid(mask);
  const p = `rollout_rs_${option}`;
  const metrics: Metrics = {};
  const seqValues = perSequence ?? maskedRowMeans(stat, mask);
  const seqValidValues = Array.from(seqValues).filter((_, i) => seqValid[i]);
  const useSeq = level === 'sequence' && seqValidValues.length > 0;
  metrics[`${p}_mean`] = maskedMean(stat, mask);
  const tokenValues = maskedValues(stat, mask);
  metrics[`${p}_max`] = useSeq ? maxOf(seqValidValues) : maxOf(tokenValues);
  metrics[`${p}_min`] = useSeq ? minOf(seqValidValues) : minOf(tokenValues);
  if (useSeq) {
    metrics[`${p}_fraction_high`] = fractionOf(seqValidValues, (x) => x > th.upper);
    metrics[`${p}_fraction_low`] = th.applyLower ? fractionOf(seqValidValues, (x) => x < th.lower) : 0.0;
  } else {
    metrics[`${p}_fraction_high`] = maskedMean(mapped(stat, (x) => (x > th.upper ? 1 : 0)), mask);
    metrics[`${p}_fraction_low`] = th.applyLower ? maskedMean(mapped(stat, (x) => (x < th.lower ? 1 : 0)), mask) : 0.0;
  }
  if (maskSum(mask) > 1) {
    const clamped = mapped(stat, (x) => clamp(x, th.applyLower ? th.lower : 0.0, th.upper));
    const mu = maskedMean(clamped, mask);
    const variance = maskedMean(mapped(clamped, (x) => x * x), mask) - mu * mu;
    metrics[`${p}_std`] = Math.sqrt(Math.max(variance, 0.0));
  } else {
    metrics[`${p}_std`] = 0.0;
  }
  if (seqValidValues.length > 0) {
    metrics[`${p}_seq_mean`] = mean(seqValidValues);
    metrics[`${p}_seq_std`] = seqValidValues.length > 1 ? unbiasedStd(seqValidValues) : 0.0;
    metrics[`${p}_seq_max`] = maxOf(seqValidValues);
    metrics[`${p}_seq_min`] = minOf(seqValidValues);
    metrics[`${p}_seq_max_deviation`] = maxOf(seqValidValues.map((x) => Math.abs(x - 0.0)));
    metrics[`${p}_seq_fraction_high`] = fractionOf(seqValidValues, (x) => x > th.upper);
    if (th.applyLower) metrics[`${p}_seq_fraction_low`] = fractionOf(seqValidValues, (x) => x < th.lower);
  } else {
    for (const s of ['seq_mean', 'seq_std', 'seq_max', 'seq_min', 'seq_max_deviation', 'seq_fraction_high', 'seq_fraction_low']) {
      metrics[`${p}_${s}`] = 0.0;
    }
  }
  return metrics;
}

/**
 * Off-policy diagnostics between the training policy (`oldLogProb`) and the rollout policy: perplexities,
 * KL (direct and k3), log-PPL differences, χ² at token and sequence level (unprefixed names).
 */
export function computeOffpolicyMetrics(oldLogProb: Mat, rolloutLogProb: Mat | null, mask: Mat): Metrics {
  requireAnyValid(mask);
  const metrics: Metrics = {};
  const meanTrain = maskedRowMeans(oldLogProb, mask);
  metrics.training_ppl = mean(meanTrain.map((x) => Math.exp(-x)));
  metrics.training_log_ppl = mean(meanTrain.map((x) => -x));
  if (rolloutLogProb !== null) {
    metrics.kl = maskedMean(mapped(rolloutLogProb, (r, k) => r - oldLogProb.data[k]), mask);
    const logRatio = mapped(oldLogProb, (o, k) => o - rolloutLogProb.data[k]);
    metrics.k3_kl = maskedMean(mapped(logRatio, (x) => Math.exp(x) - x - 1), mask);
    const meanRollout = maskedRowMeans(rolloutLogProb, mask);
    metrics.rollout_ppl = mean(meanRollout.map((x) => Math.exp(-x)));
    metrics.rollout_log_ppl = mean(meanRollout.map((x) => -x));
    const diff = meanRollout.map((x, i) => x - meanTrain[i]);
    metrics.log_ppl_diff = mean(diff);
    metrics.log_ppl_abs_diff = mean(diff.map(Math.abs));
    metrics.log_ppl_diff_max = maxOf(diff);
    metrics.log_ppl_diff_min = minOf(diff);
    metrics.ppl_ratio = mean(diff.map(Math.exp));
    metrics.chi2_token = maskedMean(mapped(logRatio, (x) => Math.exp(clamp(x, -SAFETY_BOUND, SAFETY_BOUND)) ** 2), mask) - 1.0;
    const seqSums = maskedRowSums(logRatio, mask);
    metrics.chi2_seq = mean(seqSums.map((s) => Math.exp(2.0 * clamp(s, -SAFETY_BOUND, SAFETY_BOUND)))) - 1.0;
  }
  return metrics;
}

function prefixed(metrics: Metrics): Metrics {
  const out: Metrics = {};
  for (const [k, v] of Object.entries(metrics)) out[`rollout_corr/${k}`] = v;
  return out;
}

export interface RolloutCorrectionResult {
  /** [B, T] truncated (and maybe renormalised) IS weights, or null when rollout_is is off. */
  isWeights: Mat | null;
  /** The response mask with rejected tokens/sequences set to 0. */
  responseMask: Mat;
  /** rollout_corr/* metrics. */
  metrics: Metrics;
}

/**
 * IS weights + rejection mask + off-policy metrics in one pass (verl's
 * compute_rollout_correction_and_rejection_mask). `oldLogProb` is the training policy's log-prob.
 */
export function computeRolloutCorrection(
  oldLogProb: Mat,
  rolloutLogProb: Mat,
  responseMask: Mat,
  config: RolloutCorrectionConfig,
): RolloutCorrectionResult {
  requireAnyValid(responseMask);
  assertSameShape(rolloutLogProb, oldLogProb, 'rollout_log_probs', 'old_log_probs', 'rollout correction');
  assertSameShape(responseMask, oldLogProb, 'response_mask', 'old_log_probs', 'rollout correction');
  const logRatio = mapped(oldLogProb, (o, k) => o - rolloutLogProb.data[k]);
  const metrics: Metrics = {};
  const level = config.rolloutIs ?? null;
  const threshold = config.rolloutIsThreshold === undefined ? 2.0 : config.rolloutIsThreshold;
  let isWeights: Mat | null = null;
  if (level !== null && threshold !== null) {
    const r = computeRolloutCorrectionWeights(logRatio, responseMask, level, threshold, config.rolloutIsBatchNormalize ?? false);
    isWeights = r.weights;
    Object.assign(metrics, r.metrics);
  }
  let mask = responseMask;
  const rs = config.rolloutRs ?? null;
  if (rs !== null) {
    const r = computeRolloutRejectionMask(logRatio, responseMask, rs, config.rolloutRsThreshold);
    mask = r.mask;
    Object.assign(metrics, r.metrics);
  }
  Object.assign(metrics, computeOffpolicyMetrics(oldLogProb, rolloutLogProb, responseMask));
  return { isWeights, responseMask: mask === responseMask ? mapped(mask, (x) => x) : mask, metrics: prefixed(metrics) };
}

/** rollout_corr/* off-policy metrics from the current log-probs during the update (no weights, no mask). */
export function rolloutCorrMetricsFromLogprobs(logProb: Mat, rolloutLogProb: Mat, responseMask: Mat): Metrics {
  return prefixed(computeOffpolicyMetrics(logProb, rolloutLogProb, responseMask));
}
