/** Token-level estimators built on backward recursions: gae, reinforce_plus_plus, remax. */
import { InputError } from '../../util/errors.js';
import type { Mat } from '../mat.js';
import { assertRowVector, zerosLike } from '../mat.js';
import { maskedWhiten } from '../masked.js';
import { checkBase, requireMat } from './groups.js';
import type { AdvantageConfig, AdvantageInput, AdvantageOutput } from './types.js';

function whitenFor(estimator: string, values: Mat, mask: Mat): Mat {
  try {
    return maskedWhiten(values, mask);
  } catch (err) {
    if (err instanceof InputError) throw new InputError(`advantage estimator '${estimator}': ${err.message}`);
    throw err;
  }
}

/**
 * gae, walking t = T−1..0. Positions with m = 0 (padding, or tool/observation tokens inside a multi-turn
 * response) are skipped: the next valid value and advantage pass straight through them, so their own V and r
 * do not matter. returns = A + V before whitening; the advantages are then whitened over the batch.
 */
export function gaeAdvantage(input: AdvantageInput, config: AdvantageConfig): AdvantageOutput {
  checkBase(input, 'gae');
  const values = requireMat(input, 'values', 'gae', ' (critic values; gae needs a critic)');
  const { tokenLevelRewards: r, responseMask: m } = input;
  const { rows, cols } = r;
  const { gamma, lam } = config;
  const adv = zerosLike(r);
  for (let i = 0; i < rows; i++) {
    let nextValue = 0;
    let lastGae = 0;
    for (let t = cols - 1; t >= 0; t--) {
      const k = i * cols + t;
      const delta = r.data[k] + gamma * nextValue - values.data[k];
      const candidate = delta + gamma * lam * lastGae;
      // Written as verl writes it (blend by the mask, not a branch) so fractional masks behave the same.
      nextValue = values.data[k] * m.data[k] + (1 - m.data[k]) * nextValue;
      lastGae = candidate * m.data[k] + (1 - m.data[k]) * lastGae;
      adv.data[k] = lastGae;
    }
  }
  const returns = zerosLike(r);
  for (let k = 0; k < adv.data.length; k++) returns.data[k] = adv.data[k] + values.data[k];
  return { advantages: whitenFor('gae', adv, m), returns };
}

/**
 * reinforce_plus_plus: discounted return-to-go that resets on masked positions; advantages are the returns
 * whitened over the batch and masked.
 */
export function reinforcePlusPlusAdvantage(input: AdvantageInput, config: AdvantageConfig): AdvantageOutput {
  checkBase(input, 'reinforce_plus_plus');
  const { tokenLevelRewards: r, responseMask: m } = input;
  const { rows, cols } = r;
  const returns = zerosLike(r);
  for (let i = 0; i < rows; i++) {
    let running = 0;
    for (let t = cols - 1; t >= 0; t--) {
      const k = i * cols + t;
      running = r.data[k] + config.gamma * running;
      returns.data[k] = running;
      running *= m.data[k];
    }
  }
  const advantages = whitenFor('reinforce_plus_plus', returns, m);
  for (let k = 0; k < advantages.data.length; k++) advantages.data[k] *= m.data[k];
  return { advantages, returns };
}

/** Reverse cumulative sum over t of r·m (reward-to-go). */
export function rewardToGo(rewards: Mat, mask: Mat): Mat {
  const out = zerosLike(rewards);
  const { rows, cols } = rewards;
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let t = cols - 1; t >= 0; t--) {
      const k = i * cols + t;
      s += rewards.data[k] * mask.data[k];
      out.data[k] = s;
    }
  }
  return out;
}

/** remax: A = reward-to-go − b_i·m with b_i the greedy response's summed reward; returns = reward-to-go. */
export function remaxAdvantage(input: AdvantageInput): AdvantageOutput {
  checkBase(input, 'remax');
  const baselines = input.rewardBaselines;
  if (baselines === undefined) {
    throw new InputError(`advantage estimator 'remax' needs 'rewardBaselines' (the summed reward of a greedy response per row)`);
  }
  assertRowVector(baselines, input.tokenLevelRewards, 'rewardBaselines', `advantage estimator 'remax'`);
  const { tokenLevelRewards: r, responseMask: m } = input;
  const returns = rewardToGo(r, m);
  const advantages = zerosLike(r);
  for (let i = 0; i < r.rows; i++) {
    for (let t = 0; t < r.cols; t++) {
      const k = i * r.cols + t;
      advantages.data[k] = returns.data[k] - baselines[i] * m.data[k];
    }
  }
  return { advantages, returns };
}
