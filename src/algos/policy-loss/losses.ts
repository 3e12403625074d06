/**
 * verl's policy losses (core_algos.py), each as a per-token loss with its exact derivative with respect to the
 * current log-prob, followed by agg_loss. Stop-gradient terms contribute nothing; clamps pass the gradient only
 * inside their (inclusive) bounds; max/min route it to the selected branch and split it on ties, as torch does.
 * Metric names are verl's.
 */
import { ConfigError } from '../../util/errors.js';
import { clamp, clampGate, minShare } from '../loss-result.js';
import type { Mat } from '../mat.js';
import { zerosLike } from '../mat.js';
import { maskedFraction, maskedMean, maskRowSums } from '../masked.js';
import {
  aggregateTokenLoss,
  checkPolicyInput,
  clampedLogRatio,
  clipBounds,
  clippedSurrogate,
  newSurrogate,
  requirePositive,
  requireRng,
  topKIndices,
} from './common.js';
import type { PolicyLossConfig, PolicyLossInput, PolicyLossResult } from './types.js';

function negLogRatioMean(values: Float64Array, mask: Mat): number {
  let s = 0;
  let n = 0;
  for (let k = 0; k < values.length; k++) {
    n += mask.data[k];
    if (mask.data[k] !== 0) s += -values[k] * mask.data[k];
  }
  return s / (n + 1e-8);
}

/**
 * vanilla: PPO clipped surrogate with dual clip. r = exp(clamp(logp − old, ±20)); per token
 * c1 = max(−A·r, −A·clip(r, 1−ε_l, 1+ε_h)); for A < 0 the loss is min(c1, −A·clip_ratio_c).
 */
export function vanillaPolicyLoss(input: PolicyLossInput, config: PolicyLossConfig): PolicyLossResult {
  checkPolicyInput(input, 'vanilla');
  if (!(config.clipRatioC > 1.0)) {
    throw new ConfigError(
      `actor.clip_ratio_c: The lower bound of the clip_ratio_c for dual-clip PPO should be greater than 1.0, but get the value: ${config.clipRatioC}.`,
    );
  }
  const { low, high } = clipBounds(config);
  const { logProb, oldLogProb, advantages: A, responseMask: mask } = input;
  const n = logProb.data.length;
  const loss = zerosLike(logProb);
  const dLoss = new Float64Array(n);
  const nkl = new Float64Array(n);
  const clipped = new Uint8Array(n);
  const clippedLower = new Uint8Array(n);
  const s = newSurrogate();
  for (let k = 0; k < n; k++) {
    const a = A.data[k];
    const { nkl: x, gate } = clampedLogRatio(logProb.data[k], oldLogProb.data[k]);
    nkl[k] = x;
    const ratio = Math.exp(x);
    clippedSurrogate(a, ratio, low, high, s);
    const p3 = -a * config.clipRatioC;
    clipped[k] = s.p2 > s.p1 ? 1 : 0;
    clippedLower[k] = s.value > p3 && a < 0 ? 1 : 0;
    if (a < 0) {
      loss.data[k] = Math.min(p3, s.value);
      dLoss[k] = (1 - minShare(p3, s.value)) * s.dValue * ratio * gate;
    } else {
      loss.data[k] = s.value;
      dLoss[k] = s.dValue * ratio * gate;
    }
  }
  const metrics = {
    'actor/pg_clipfrac': maskedFraction(mask, (k) => clipped[k] === 1),
    'actor/ppo_kl': negLogRatioMean(nkl, mask),
    'actor/pg_clipfrac_lower': maskedFraction(mask, (k) => clippedLower[k] === 1),
  };
  return aggregateTokenLoss(loss, dLoss, mask, config.lossAggMode, config.global, input.rolloutIsWeights, metrics);
}

/**
 * gspo: sequence-level ratio s_i = exp(mean_t of (logp − old) over the valid tokens), with the gradient
 * flowing through each token's own logp (log s_{i,t} = sg(ℓ_i) + logp − sg(logp), clamped at 10). Clipped
 * like PPO (no dual clip). Always aggregated with seq-mean-token-mean (upstream quirk 5: mirrored).
 */
export function gspoPolicyLoss(input: PolicyLossInput, config: PolicyLossConfig): PolicyLossResult {
  checkPolicyInput(input, 'gspo');
  const { low, high } = clipBounds(config);
  const { logProb, oldLogProb, advantages: A, responseMask: mask } = input;
  const { rows, cols } = logProb;
  const lengths = maskRowSums(mask);
  const loss = zerosLike(logProb);
  const dLoss = new Float64Array(rows * cols);
  const nkl = new Float64Array(rows * cols);
  const clippedFlags = new Uint8Array(rows * cols);
  const s = newSurrogate();
  for (let i = 0; i < rows; i++) {
    let seqSum = 0;
    for (let t = 0; t < cols; t++) {
      const k = i * cols + t;
      nkl[k] = logProb.data[k] - oldLogProb.data[k];
      seqSum += nkl[k] * mask.data[k];
    }
    const seqLogRatio = seqSum / Math.max(lengths[i], 1);
    for (let t = 0; t < cols; t++) {
      const k = i * cols + t;
      // logp − sg(logp) is exactly 0 in value, so the log-ratio's value is the sequence one.
      const logRatio = logProb.data[k] - logProb.data[k] + seqLogRatio;
      const ratio = Math.exp(Math.min(logRatio, 10));
      const gate = logRatio <= 10 ? 1 : 0;
      clippedSurrogate(A.data[k], ratio, low, high, s);
      loss.data[k] = s.value;
      dLoss[k] = s.dValue * ratio * gate;
      clippedFlags[k] = s.p2 > s.p1 ? 1 : 0;
    }
  }
  const metrics = {
    'actor/pg_clipfrac': maskedFraction(mask, (k) => clippedFlags[k] === 1),
    'actor/ppo_kl': negLogRatioMean(nkl, mask),
    'actor/pg_clipfrac_lower': 0,
  };
  return aggregateTokenLoss(loss, dLoss, mask, 'seq-mean-token-mean', config.global, input.rolloutIsWeights, metrics);
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/**
 * sapo: soft gate f(r, τ) = sigmoid(τ(r − 1))·4/τ instead of clipping, τ = tau_pos for A > 0 else tau_neg;
 * loss = −f·A. Always aggregated with seq-mean-token-mean (upstream quirk 5: mirrored).
 */
export function sapoPolicyLoss(input: PolicyLossInput, config: PolicyLossConfig): PolicyLossResult {
  checkPolicyInput(input, 'sapo');
  const { logProb, oldLogProb, advantages: A, responseMask: mask } = input;
  const n = logProb.data.length;
  const loss = zerosLike(logProb);
  const dLoss = new Float64Array(n);
  const nkl = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const a = A.data[k];
    const { nkl: x, gate } = clampedLogRatio(logProb.data[k], oldLogProb.data[k]);
    nkl[k] = x;
    const ratio = Math.exp(x);
    const tau = a > 0 ? config.tauPos : config.tauNeg;
    const sig = sigmoid(tau * (ratio - 1.0));
    loss.data[k] = -(sig * (4.0 / tau)) * a;
    // d/dr [sigmoid(τ(r−1))·4/τ] = 4·σ(1 − σ)
    dLoss[k] = -a * 4 * sig * (1 - sig) * ratio * gate;
  }
  const metrics = { 'actor/pg_clipfrac': 0, 'actor/ppo_kl': negLogRatioMean(nkl, mask), 'actor/pg_clipfrac_lower': 0 };
  return aggregateTokenLoss(loss, dLoss, mask, 'seq-mean-token-mean', config.global, input.rolloutIsWeights, metrics);
}

/** gpg: −logp·A; no metrics. */
export function gpgPolicyLoss(input: PolicyLossInput, config: PolicyLossConfig): PolicyLossResult {
  checkPolicyInput(input, 'gpg');
  const { logProb, advantages: A, responseMask: mask } = input;
  const loss = zerosLike(logProb);
  const dLoss = new Float64Array(logProb.data.length);
  for (let k = 0; k < dLoss.length; k++) {
    loss.data[k] = -logProb.data[k] * A.data[k];
    dLoss[k] = -A.data[k];
  }
  return aggregateTokenLoss(loss, dLoss, mask, config.lossAggMode, config.global, input.rolloutIsWeights, {});
}

/**
 * clip_cov: PPO clipped surrogate (unclamped ratio, no dual clip) whose gradient is cut at a few tokens
 * chosen uniformly at random (seeded Rng) among the valid, not already clipped tokens whose covariance
 * (A − mean A)·(logp − mean logp) lies strictly between clip_cov_lb and clip_cov_ub; at most
 * max(int(clip_cov_ratio·#valid), 1) of them.
 */
export function clipCovPolicyLoss(input: PolicyLossInput, config: PolicyLossConfig): PolicyLossResult {
  checkPolicyInput(input, 'clip_cov');
  requirePositive(config.clipCovRatio, 'actor.policy_loss.clip_cov_ratio', 'clip_cov');
  const { low, high } = clipBounds(config);
  const { logProb, oldLogProb, advantages: A, responseMask: mask } = input;
  const n = logProb.data.length;
  const value = new Float64Array(n);
  const dValue = new Float64Array(n);
  const clippedByOrigin = new Uint8Array(n);
  const s = newSurrogate();
  for (let k = 0; k < n; k++) {
    clippedSurrogate(A.data[k], Math.exp(logProb.data[k] - oldLogProb.data[k]), low, high, s);
    value[k] = s.value;
    dValue[k] = s.dValue;
    clippedByOrigin[k] = s.p2 > s.p1 && mask.data[k] > 0 ? 1 : 0;
  }
  const meanA = maskedMean(A, mask);
  const meanLogp = maskedMean(logProb, mask);
  const candidates: number[] = [];
  let validCount = 0;
  for (let k = 0; k < n; k++) {
    validCount += mask.data[k];
    if (!(mask.data[k] > 0) || clippedByOrigin[k] === 1) continue;
    const cov = (A.data[k] - meanA) * (logProb.data[k] - meanLogp);
    if (cov < config.clipCovUb && cov > config.clipCovLb) candidates.push(k);
  }
  const clipNum = Math.max(Math.trunc(config.clipCovRatio * validCount), 1);
  const chosen = new Uint8Array(n);
  if (candidates.length <= clipNum) {
    for (const k of candidates) chosen[k] = 1;
  } else {
    const rng = requireRng(input, 'clip_cov');
    const order = rng.permutation(candidates.length);
    for (let j = 0; j < clipNum; j++) chosen[candidates[order[j]]] = 1;
  }
  const loss = zerosLike(logProb);
  const dLoss = new Float64Array(n);
  const nkl = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const corr = chosen[k] === 1 ? 0 : 1;
    const ratio = Math.exp(logProb.data[k] - oldLogProb.data[k]);
    nkl[k] = logProb.data[k] - oldLogProb.data[k];
    loss.data[k] = value[k] * corr;
    dLoss[k] = dValue[k] * ratio * corr;
  }
  const metrics = {
    'actor/pg_clipfrac': maskedFraction(mask, (k) => chosen[k] === 1),
    'actor/ppo_kl': negLogRatioMean(nkl, mask),
  };
  return aggregateTokenLoss(loss, dLoss, mask, config.lossAggMode, config.global, input.rolloutIsWeights, metrics);
}

/**
 * kl_cov: −A·r everywhere (no clipping, unclamped ratio), plus ppo_kl_coef·|logp − old| at the
 * max(1, int(#valid·kl_cov_ratio)) valid tokens with the largest covariance (A − mean A)(logp − mean logp).
 * Ties in the covariance go to the earlier token.
 */
export function klCovPolicyLoss(input: PolicyLossInput, config: PolicyLossConfig): PolicyLossResult {
  checkPolicyInput(input, 'kl_cov');
  requirePositive(config.klCovRatio, 'actor.policy_loss.kl_cov_ratio', 'kl_cov');
  const { logProb, oldLogProb, advantages: A, responseMask: mask } = input;
  const n = logProb.data.length;
  const valid: number[] = [];
  for (let k = 0; k < n; k++) if (mask.data[k] > 0) valid.push(k);
  const penalised = new Uint8Array(n);
  if (valid.length > 0) {
    let meanA = 0;
    let meanLogp = 0;
    for (const k of valid) {
      meanA += A.data[k];
      meanLogp += logProb.data[k];
    }
    meanA /= valid.length;
    meanLogp /= valid.length;
    const cov = Float64Array.from(valid, (k) => (A.data[k] - meanA) * (logProb.data[k] - meanLogp));
    const take = Math.max(1, Math.trunc(valid.length * config.klCovRatio));
    for (const j of topKIndices(cov, Math.min(take, valid.length))) penalised[valid[j]] = 1;
  }
  const coef = config.ppoKlCoef;
  const loss = zerosLike(logProb);
  const dLoss = new Float64Array(n);
  const absKl = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const d = logProb.data[k] - oldLogProb.data[k];
    const ratio = Math.exp(d);
    absKl[k] = Math.abs(d);
    loss.data[k] = -A.data[k] * ratio;
    dLoss[k] = -A.data[k] * ratio;
    if (penalised[k] === 1) {
      loss.data[k] = -A.data[k] * ratio + coef * absKl[k];
      dLoss[k] += coef * Math.sign(d);
    }
  }
  const metrics = { 'actor/ppo_kl': maskedMean({ data: absKl, rows: logProb.rows, cols: logProb.cols }, mask) };
  return aggregateTokenLoss(loss, dLoss, mask, config.lossAggMode, config.global, input.rolloutIsWeights, metrics);
}

/**
 * geo_mean (GMPO): per sequence, ρ_i = exp(mean over valid tokens of the sign-aware clipped log-ratio
 * δ* = σ·min(σδ, σ·clip(δ, −ε_l, ε_h)), σ = sign(A)), Ā_i = mean of A over valid tokens, loss_i = −Ā_i·ρ_i,
 * times the geometric mean of the IS weights when given. The batch loss is the plain mean over sequences;
 * loss_agg_mode is ignored (upstream quirk 5: mirrored). Decision: when the caller supplies
 * global.globalBatchSize (and dpSize), the mean divides by that instead of the local B, so micro-batch losses
 * add up to the mini-batch loss like the agg_loss modes; without it the result is verl's exactly.
 */
export function geoMeanPolicyLoss(input: PolicyLossInput, config: PolicyLossConfig): PolicyLossResult {
  checkPolicyInput(input, 'geo_mean');
  const { low, high } = clipBounds(config);
  const { logProb, oldLogProb, advantages: A, responseMask: mask } = input;
  const { rows, cols } = logProb;
  const isWeights = input.rolloutIsWeights ?? null;
  const lengths = maskRowSums(mask);
  const dDelta = new Float64Array(rows * cols);
  const nkl = new Float64Array(rows * cols);
  const clipHigh = new Uint8Array(rows * cols);
  const clipLow = new Uint8Array(rows * cols);
  const seqLoss = new Float64Array(rows);
  const seqScale = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let sumDelta = 0;
    let sumA = 0;
    let sumLogW = 0;
    for (let t = 0; t < cols; t++) {
      const k = i * cols + t;
      const a = A.data[k];
      const d = logProb.data[k] - oldLogProb.data[k];
      nkl[k] = d;
      const dc = clamp(d, -low, high);
      const sgn = Math.sign(a);
      const share = minShare(sgn * d, sgn * dc);
      const deltaStar = sgn * Math.min(sgn * d, sgn * dc);
      dDelta[k] = sgn * (share * sgn + (1 - share) * sgn * clampGate(d, -low, high));
      sumDelta += deltaStar * mask.data[k];
      sumA += a * mask.data[k];
      if (isWeights !== null) sumLogW += Math.log(isWeights.data[k] + 1e-10) * mask.data[k];
      clipHigh[k] = d !== dc && a > 0 ? 1 : 0;
      clipLow[k] = d !== dc && a < 0 ? 1 : 0;
    }
    const denom = lengths[i] + 1e-8;
    const ratio = Math.exp(sumDelta / denom);
    const meanA = sumA / denom;
    const seqIs = isWeights !== null ? Math.exp(sumLogW / denom) : 1;
    seqLoss[i] = -meanA * ratio * seqIs;
    // d loss_i / d δ*_{i,t} = −Ā_i·ρ_i·w_i·m_{i,t}/(L_i + 1e-8)
    seqScale[i] = (-meanA * ratio * seqIs) / denom;
  }
  const global = config.global ?? {};
  const divisor = global.globalBatchSize ?? rows;
  const dp = global.globalBatchSize === undefined ? 1 : (global.dpSize ?? 1);
  let total = 0;
  for (let i = 0; i < rows; i++) total += seqLoss[i];
  const grad = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let t = 0; t < cols; t++) {
      const k = i * cols + t;
      grad[k] = mask.data[k] === 0 ? 0 : ((seqScale[i] * mask.data[k] * dDelta[k]) / divisor) * dp;
    }
  }
  const metrics = {
    'actor/pg_clipfrac': maskedFraction(mask, (k) => clipHigh[k] === 1),
    'actor/ppo_kl': negLogRatioMean(nkl, mask),
    'actor/pg_clipfrac_lower': maskedFraction(mask, (k) => clipLow[k] === 1),
  };
  return { loss: (total / divisor) * dp, metrics, grad: { logProb: grad } };
}

/** cispo: −sg(clip(r, 1−ε_l, 1+ε_h))·A·logp; r from the ±20-clamped log-ratio. */
export function cispoPolicyLoss(input: PolicyLossInput, config: PolicyLossConfig): PolicyLossResult {
  checkPolicyInput(input, 'cispo');
  const { low, high } = clipBounds(config);
  const { logProb, oldLogProb, advantages: A, responseMask: mask } = input;
  const n = logProb.data.length;
  const loss = zerosLike(logProb);
  const dLoss = new Float64Array(n);
  const nkl = new Float64Array(n);
  const clippedFlags = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    const { nkl: x } = clampedLogRatio(logProb.data[k], oldLogProb.data[k]);
    nkl[k] = x;
    const ratio = Math.exp(x);
    const weight = clamp(ratio, 1 - low, 1 + high);
    clippedFlags[k] = ratio !== weight ? 1 : 0;
    loss.data[k] = -weight * A.data[k] * logProb.data[k];
    dLoss[k] = -weight * A.data[k];
  }
  const metrics = {
    'actor/pg_clipfrac': maskedFraction(mask, (k) => clippedFlags[k] === 1),
    'actor/ppo_kl': negLogRatioMean(nkl, mask),
    'actor/pg_clipfrac_lower': 0,
  };
  return aggregateTokenLoss(loss, dLoss, mask, config.lossAggMode, config.global, input.rolloutIsWeights, metrics);
}

/**
 * REINFORCE (internal to bypass_mode with loss_type = reinforce; not registered, as in verl):
 * −A·logp·w with w the IS weights when given. `oldLogProb` holds the rollout log-probs;
 * actor/ppo_kl = masked_mean(rollout_logp − logp).
 */
export function reinforcePolicyLoss(input: PolicyLossInput, config: PolicyLossConfig): PolicyLossResult {
  checkPolicyInput(input, 'reinforce');
  const { logProb, oldLogProb, advantages: A, responseMask: mask } = input;
  const n = logProb.data.length;
  const loss = zerosLike(logProb);
  const dLoss = new Float64Array(n);
  const nkl = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    loss.data[k] = -A.data[k] * logProb.data[k];
    dLoss[k] = -A.data[k];
    nkl[k] = logProb.data[k] - oldLogProb.data[k];
  }
  const metrics = { 'actor/ppo_kl': negLogRatioMean(nkl, mask) };
  return aggregateTokenLoss(loss, dLoss, mask, config.lossAggMode, config.global, input.rolloutIsWeights, metrics);
}
