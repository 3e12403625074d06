/** What estimators and losses declare they need, and how the start-up checks read those declarations. */
import { describe, expect, it } from 'vitest';
import {
  advantageEstimatorNames,
  advantageEstimatorNeeds,
  getAdvantageEstimator,
  policyLossNeeds,
  registerAdvantageEstimator,
  Registry,
} from '../../src/algos/index.js';
import type { AdvantageEstimatorFn, EstimatorNeeds } from '../../src/algos/index.js';
import { NO_ESTIMATOR_NEEDS } from '../../src/algos/index.js';
import { UserError } from '../../src/util/errors.js';

describe('estimator declarations', () => {
  it('declare verl\'s needs for the built-ins: gae values, remax a baseline rollout, OTB Σπ², group estimators uids', () => {
    const critic = advantageEstimatorNames().filter((n) => advantageEstimatorNeeds(n).values);
    expect(critic).toEqual(['gae']);
    const baseline = advantageEstimatorNames().filter((n) => advantageEstimatorNeeds(n).baselineRollout);
    expect(baseline).toEqual(['remax']);
    const sumPi = advantageEstimatorNames().filter((n) => advantageEstimatorNeeds(n).sumPiSquared);
    expect(sumPi).toEqual(['optimal_token_baseline', 'tir_optimal_token_baseline']);
    const groups = advantageEstimatorNames().slice(0, 13).filter((n) => advantageEstimatorNeeds(n).groups);
    expect(groups.sort()).toEqual(
      ['gpg', 'grpo', 'grpo_passk', 'grpo_vectorized', 'opo', 'optimal_token_baseline', 'reinforce_plus_plus_baseline', 'rloo',
        'rloo_vectorized', 'tir_optimal_token_baseline'].sort(),
    );
    expect(advantageEstimatorNeeds('grpo_passk').minSamplesPerPrompt).toBe(2);
    expect(advantageEstimatorNeeds('reinforce_plus_plus')).toEqual(NO_ESTIMATOR_NEEDS);
    expect(policyLossNeeds('bypass_mode').rolloutLogProbs).toBe(true);
    expect(policyLossNeeds('vanilla').rolloutLogProbs).toBe(false);
  });

  it('every declared group estimator really reads the uids (an input without index fails)', () => {
    for (const name of advantageEstimatorNames().slice(0, 13).filter((n) => advantageEstimatorNeeds(n).groups)) {
      const mask = { data: Float64Array.of(1, 1, 1, 1), rows: 2, cols: 2 };
      const call = () =>
        getAdvantageEstimator(name)(
          { tokenLevelRewards: { data: Float64Array.of(0, 1, 0, 0), rows: 2, cols: 2 }, responseMask: mask, oldLogProbs: mask, sumPiSquared: mask },
          { gamma: 1, lam: 1, normAdvByStdInGrpo: true },
        );
      expect(call, name).toThrow(/index|uid|group/i);
    }
  });

  it('a user estimator declares its needs at registration; unknown or mistyped needs are refused', () => {
    const fn: AdvantageEstimatorFn = (input) => ({ advantages: input.responseMask, returns: input.responseMask });
    registerAdvantageEstimator('needs_test_values', fn, { needs: { values: true } });
    expect(advantageEstimatorNeeds('needs_test_values')).toEqual({ ...NO_ESTIMATOR_NEEDS, values: true });
    const bad = { needs: { valeus: true } } as unknown as { needs: Partial<EstimatorNeeds> };
    expect(() => registerAdvantageEstimator('needs_test_typo', fn, bad)).toThrow("unknown need 'valeus'. Known: values, groups, minSamplesPerPrompt, sumPiSquared, oldLogProbs, baselineRollout. Did you mean 'values'?");
    const wrongType = { needs: { groups: 'yes' } } as unknown as { needs: Partial<EstimatorNeeds> };
    expect(() => registerAdvantageEstimator('needs_test_type', fn, wrongType)).toThrow("need 'groups' must be a boolean");
    expect(() => advantageEstimatorNeeds('no_such_estimator')).toThrow("unknown advantage estimator 'no_such_estimator'");
  });

  it('re-registering the same function with a new declaration replaces the declaration', () => {
    const r = new Registry<() => number, { flag: boolean }>({ what: 'thing', configKey: 'x.y' }, { flag: false });
    const f = () => 1;
    r.register('a', f);
    expect(r.needs('a')).toEqual({ flag: false });
    r.register('a', f, { needs: { flag: true } });
    expect(r.needs('a')).toEqual({ flag: true });
    expect(() => r.register('a', () => 2, { needs: { flag: true } })).toThrow(UserError);
  });
});
