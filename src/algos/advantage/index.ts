/** The advantage-estimator registry (verl's register_adv_est / get_adv_estimator_fn) and its 13 built-ins. */
import { InputError } from '../../util/errors.js';
import { assertSameShape } from '../mat.js';
import { Registry } from '../registry.js';
import { checkBase } from './groups.js';
import { optimalTokenBaselineAdvantage, tirOptimalTokenBaselineAdvantage } from './otb.js';
import {
  gpgAdvantage,
  grpoAdvantage,
  grpoPasskAdvantage,
  grpoVectorizedAdvantage,
  opoAdvantage,
  reinforcePlusPlusBaselineAdvantage,
  rlooAdvantage,
  rlooVectorizedAdvantage,
} from './outcome.js';
import { gaeAdvantage, reinforcePlusPlusAdvantage, remaxAdvantage } from './returns.js';
import type { AdvantageConfig, AdvantageEstimatorFn, AdvantageInput, AdvantageOutput } from './types.js';

const estimators = new Registry<AdvantageEstimatorFn>({
  what: 'advantage estimator',
  configKey: 'algorithm.adv_estimator',
  sharedKey: 'advantage_estimator',
});

/** The built-ins, in verl's AdvantageEstimator enum order. */
const BUILTIN_ESTIMATORS: ReadonlyArray<[string, AdvantageEstimatorFn]> = [
  ['gae', gaeAdvantage],
  ['grpo', grpoAdvantage],
  ['reinforce_plus_plus', reinforcePlusPlusAdvantage],
  ['reinforce_plus_plus_baseline', reinforcePlusPlusBaselineAdvantage],
  ['remax', remaxAdvantage],
  ['rloo', rlooAdvantage],
  ['opo', opoAdvantage],
  ['grpo_passk', grpoPasskAdvantage],
  ['gpg', gpgAdvantage],
  ['rloo_vectorized', rlooVectorizedAdvantage],
  ['grpo_vectorized', grpoVectorizedAdvantage],
  ['optimal_token_baseline', optimalTokenBaselineAdvantage],
  ['tir_optimal_token_baseline', tirOptimalTokenBaselineAdvantage],
];
for (const [name, fn] of BUILTIN_ESTIMATORS) estimators.registerBuiltin(name, fn);

/** Register a user estimator; returns `fn`. A different function under a taken name throws. */
export function registerAdvantageEstimator(name: string, fn: AdvantageEstimatorFn): AdvantageEstimatorFn {
  return estimators.register(name, fn);
}

/** Look up an estimator (case-sensitive); unknown names throw a ConfigError listing the known ones. */
export function getAdvantageEstimator(name: string): AdvantageEstimatorFn {
  return estimators.get(name);
}

/** Every registered estimator name (built-ins first), for the config schema's enum. */
export function advantageEstimatorNames(): string[] {
  return estimators.names();
}

/**
 * Run the named estimator and check what it returned ([B, T] advantages and returns, finite where the mask
 * is 1), so that a faulty user estimator is reported by name instead of failing later in the loss.
 */
export function computeAdvantage(name: string, input: AdvantageInput, config: AdvantageConfig): AdvantageOutput {
  const fn = getAdvantageEstimator(name);
  checkBase(input, name);
  const out = fn(input, config);
  const where = `advantage estimator '${name}'`;
  if (out === null || typeof out !== 'object' || out.advantages === undefined || out.returns === undefined) {
    throw new InputError(`${where} must return { advantages, returns }`);
  }
  assertSameShape(out.advantages, input.tokenLevelRewards, 'the returned advantages', 'tokenLevelRewards', where);
  assertSameShape(out.returns, input.tokenLevelRewards, 'the returned returns', 'tokenLevelRewards', where);
  const m = input.responseMask.data;
  for (const [label, mat] of [['advantages', out.advantages], ['returns', out.returns]] as const) {
    for (let k = 0; k < m.length; k++) {
      if (m[k] !== 0 && !Number.isFinite(mat.data[k])) {
        const cols = input.responseMask.cols;
        throw new InputError(
          `${where} returned a non-finite ${label} value ${mat.data[k]} at row ${Math.floor(k / cols)}, position ${k % cols}`,
        );
      }
    }
  }
  return out;
}

export type { AdvantageConfig, AdvantageEstimatorFn, AdvantageInput, AdvantageOutput, GroupLabel } from './types.js';
export { defaultAdvantageConfig } from './types.js';
export { groupRows } from './groups.js';
export { rewardToGo } from './returns.js';
