/** The advantage-estimator registry (verl's register_adv_est / get_adv_estimator_fn), its 13 built-ins and SPPO's. */
import { InputError } from '../../util/errors.js';
import { assertSameShape } from '../mat.js';
import { NO_ESTIMATOR_NEEDS, type EstimatorNeeds } from '../needs.js';
import { Registry, type RegisterOptions } from '../registry.js';
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
import { sppoAdvantage } from './sppo.js';
import type { AdvantageConfig, AdvantageEstimatorFn, AdvantageInput, AdvantageOutput } from './types.js';

const estimators = new Registry<AdvantageEstimatorFn, EstimatorNeeds>(
  { what: 'advantage estimator', configKey: 'algorithm.adv_estimator', sharedKey: 'advantage_estimator' },
  NO_ESTIMATOR_NEEDS,
);

const GROUPS: Partial<EstimatorNeeds> = { groups: true };
const OTB: Partial<EstimatorNeeds> = { groups: true, oldLogProbs: true, sumPiSquared: true };

/** The built-ins, in verl's AdvantageEstimator enum order, with what each needs from the loop. */
const BUILTIN_ESTIMATORS: ReadonlyArray<[string, AdvantageEstimatorFn, Partial<EstimatorNeeds>]> = [
  ['gae', gaeAdvantage, { values: true }],
  ['grpo', grpoAdvantage, GROUPS],
  ['reinforce_plus_plus', reinforcePlusPlusAdvantage, {}],
  ['reinforce_plus_plus_baseline', reinforcePlusPlusBaselineAdvantage, GROUPS],
  ['remax', remaxAdvantage, { baselineRollout: true }],
  ['rloo', rlooAdvantage, GROUPS],
  ['opo', opoAdvantage, GROUPS],
  ['grpo_passk', grpoPasskAdvantage, { groups: true, minSamplesPerPrompt: 2 }],
  ['gpg', gpgAdvantage, GROUPS],
  ['rloo_vectorized', rlooVectorizedAdvantage, GROUPS],
  ['grpo_vectorized', grpoVectorizedAdvantage, GROUPS],
  ['optimal_token_baseline', optimalTokenBaselineAdvantage, OTB],
  ['tir_optimal_token_baseline', tirOptimalTokenBaselineAdvantage, OTB],
  // verl's recipe/sppo (not in its core registry): the batch-wide soft-mean baseline the `sppo` loss regresses on.
  ['sppo', sppoAdvantage, {}],
];
for (const [name, fn, needs] of BUILTIN_ESTIMATORS) estimators.registerBuiltin(name, fn, needs);

/**
 * Register a user estimator; returns `fn`. `options.needs` declares what it needs from the loop (critic values,
 * uid groups, Σπ², a greedy baseline rollout, ...; see EstimatorNeeds). A different function under a taken
 * name throws unless `options.override` is true.
 */
export function registerAdvantageEstimator(name: string, fn: AdvantageEstimatorFn, options: RegisterOptions<EstimatorNeeds> = {}): AdvantageEstimatorFn {
  return estimators.register(name, fn, options);
}

/** What the named estimator declared it needs (unknown names throw a ConfigError listing the known ones). */
export function advantageEstimatorNeeds(name: string): EstimatorNeeds {
  return estimators.needs(name);
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

export { softMean, sppoAdvantage } from './sppo.js';
export type { AdvantageConfig, AdvantageEstimatorFn, AdvantageInput, AdvantageOutput, GroupLabel } from './types.js';
export { defaultAdvantageConfig } from './types.js';
export { groupRows } from './groups.js';
export { rewardToGo } from './returns.js';
