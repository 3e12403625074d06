/** The critic's clipped value loss (verl's compute_value_loss), with d loss / d vpreds. */
import type { GlobalBatchInfo } from './agg-loss.js';
import { aggLoss } from './agg-loss.js';
import type { LossResult } from './loss-result.js';
import { maxShare, minShare } from './loss-result.js';
import type { Mat } from './mat.js';
import { assertSameShape, zerosLike } from './mat.js';
import { maskedFraction, maskedMean } from './masked.js';

export interface ValueLossInput {
  /** [B, T] current value predictions: the differentiable input. */
  vpreds: Mat;
  /** [B, T] values at rollout time (the clip centre). */
  values: Mat;
  returns: Mat;
  responseMask: Mat;
}

export interface ValueLossConfig {
  /** critic.cliprange_value (default 0.5). */
  cliprangeValue: number;
  /** critic.loss_agg_mode. */
  lossAggMode: string;
  global?: GlobalBatchInfo;
}

/**
 * v̂c = max(min(v̂, V + c), V − c); loss = ½·agg(max((v̂ − R)², (v̂c − R)²)).
 * Metrics: critic/vf_clipfrac = masked mean of [(v̂c − R)² > (v̂ − R)²], critic/vpred_mean.
 */
export function computeValueLoss(input: ValueLossInput, config: ValueLossConfig): LossResult<'vpreds'> {
  const { vpreds, values, returns, responseMask: mask } = input;
  for (const [name, m] of [['values', values], ['returns', returns], ['responseMask', mask]] as const) {
    assertSameShape(m, vpreds, name, 'vpreds', 'value loss');
  }
  const c = config.cliprangeValue;
  const lossMat = zerosLike(vpreds);
  const dLoss = new Float64Array(lossMat.data.length);
  const clipped = new Uint8Array(lossMat.data.length);
  for (let k = 0; k < dLoss.length; k++) {
    const v = vpreds.data[k];
    const hi = values.data[k] + c;
    const lo = values.data[k] - c;
    // clip_by_value is max(min(x, hi), lo): two torch min/max ops, each splitting the gradient on ties.
    const upper = Math.min(v, hi);
    const dUpper = minShare(v, hi);
    const vc = Math.max(upper, lo);
    const dVc = maxShare(upper, lo) * dUpper;
    const r = returns.data[k];
    const l1 = (v - r) ** 2;
    const l2 = (vc - r) ** 2;
    const s1 = maxShare(l1, l2);
    lossMat.data[k] = Math.max(l1, l2);
    dLoss[k] = s1 * 2 * (v - r) + (1 - s1) * 2 * (vc - r) * dVc;
    clipped[k] = l2 > l1 ? 1 : 0;
  }
  const { loss, weights } = aggLoss(lossMat, mask, config.lossAggMode, config.global);
  const grad = new Float64Array(dLoss.length);
  for (let k = 0; k < grad.length; k++) grad[k] = weights.data[k] === 0 ? 0 : 0.5 * weights.data[k] * dLoss[k];
  return {
    loss: 0.5 * loss,
    metrics: {
      'critic/vf_clipfrac': maskedFraction(mask, (k) => clipped[k] === 1),
      'critic/vpred_mean': maskedMean(vpreds, mask),
    },
    grad: { vpreds: grad },
  };
}
