/**
 * verl's own CPU tests (tests/trainer/ppo/test_core_algos_on_cpu.py, test_metric_utils_on_cpu.py) that
 * apply to the algorithm core, ported with verl's inputs and tolerances.
 */
import { describe, expect, it } from 'vitest';
import {
  advantageEstimatorNames,
  computeAdvantage,
  defaultAdvantageConfig,
  fromRows,
  getAdvantageEstimator,
  Metric,
  reduceMetrics,
  Registry,
  registerAdvantageEstimator,
  toRows,
} from '../../src/algos/index.js';
import type { AdvantageEstimatorFn } from '../../src/algos/index.js';
import { ConfigError, UserError } from '../../src/util/errors.js';
import { expectClose, randomMask, Rng } from './helpers.js';

type Fn = (x: number) => unknown;

describe('registry (TestRegisterAdvEst)', () => {
  // verl's tests replace the registry with {gae: x ↦ 2x, vtrace: x ↦ x + 1}; a fresh Registry does the same.
  function fresh(): Registry<Fn> {
    const r = new Registry<Fn>({ what: 'advantage estimator', configKey: 'algorithm.adv_estimator' });
    r.register('gae', (x) => x * 2);
    r.register('vtrace', (x) => x + 1);
    return r;
  }
  const testFn: Fn = () => undefined;

  it('registers a new function under a string name', () => {
    const r = fresh();
    r.register('test_estimator', testFn);
    expect(r.has('test_estimator')).toBe(true);
    expect(r.get('test_estimator')).toBe(testFn);
  });
  it('registers under an enum value (a TypeScript string enum is its value)', () => {
    enum AdvantageEstimator {
      TEST = 'test_enum_estimator',
    }
    const r = fresh();
    r.register(AdvantageEstimator.TEST, testFn);
    expect(r.get('test_enum_estimator')).toBe(testFn);
  });
  it('accepts the same function twice under one name', () => {
    const r = fresh();
    r.register('duplicate_test', testFn);
    r.register('duplicate_test', testFn);
    expect(r.get('duplicate_test')).toBe(testFn);
  });
  it('refuses a different function with the same source text (closures over other values) unless override is given', () => {
    const r = fresh();
    const scaleBy = (k: number): Fn => (x) => x * k;
    r.register('scaled', scaleBy(3));
    expect(() => r.register('scaled', scaleBy(4))).toThrow("advantage estimator 'scaled' is already registered with a different function");
    expect(r.get('scaled')(2)).toBe(6);
    r.register('scaled', scaleBy(4), { override: true });
    expect(r.get('scaled')(2)).toBe(8);
  });
  it('refuses a different function under a taken name', () => {
    const r = fresh();
    r.register('conflict_test', () => 1);
    expect(() => r.register('conflict_test', () => 2)).toThrow(UserError);
    expect(() => r.register('conflict_test', () => 2)).toThrow(
      "advantage estimator 'conflict_test' is already registered with a different function; pick another name for yours or pass { override: true } to replace it (names taken: gae, vtrace, conflict_test)",
    );
  });
  it('returns the original function', () => {
    const original: Fn = () => 'original';
    expect(fresh().register('preserve_test', original)(0)).toBe('original');
  });
  it('grows by one per new name', () => {
    const r = fresh();
    const before = r.size;
    r.register('estimator1', () => 1);
    r.register('estimator2', () => 2);
    expect(r.size).toBe(before + 2);
  });
  it('looks up valid names', () => {
    const r = fresh();
    expect(r.get('gae')(5)).toBe(10);
    expect(r.get('vtrace')(5)).toBe(6);
  });
  it('refuses unknown names with the known ones listed', () => {
    expect(() => fresh().get('invalid_name')).toThrow(ConfigError);
    expect(() => fresh().get('invalid_name')).toThrow(
      "algorithm.adv_estimator: unknown advantage estimator 'invalid_name'. Known: gae, vtrace.",
    );
  });
  it('is case-sensitive, and suggests the right case', () => {
    expect(() => fresh().get('GAE')).toThrow("algorithm.adv_estimator: unknown advantage estimator 'GAE'. Known: gae, vtrace. Did you mean 'gae'?");
  });
  it('the live registry holds verl\'s 13 estimators and refuses replacing a built-in', () => {
    expect(advantageEstimatorNames().slice(0, 13)).toEqual([
      'gae', 'grpo', 'reinforce_plus_plus', 'reinforce_plus_plus_baseline', 'remax', 'rloo', 'opo', 'grpo_passk', 'gpg',
      'rloo_vectorized', 'grpo_vectorized', 'optimal_token_baseline', 'tir_optimal_token_baseline',
    ]);
    const mine: AdvantageEstimatorFn = (input) => ({ advantages: input.responseMask, returns: input.responseMask });
    expect(() => registerAdvantageEstimator('grpo', mine)).toThrow("advantage estimator 'grpo' is already registered with a different function");
    expect(registerAdvantageEstimator('grpo', getAdvantageEstimator('grpo'))).toBe(getAdvantageEstimator('grpo'));
    expect(() => getAdvantageEstimator('grpo_vectorised')).toThrow("Did you mean one of 'grpo_vectorized', 'rloo_vectorized'?");
  });
});

describe('multi-turn GAE skips observation tokens exactly (test_multi_turn_compute_gae_advantage_return)', () => {
  it('gives identical advantages and masked returns whatever the values at masked positions', () => {
    const rng = new Rng(2024);
    const uniform = (lo: number, hi: number) => lo + (hi - lo) * rng.next();
    for (let trial = 0; trial < 20; trial++) {
      const gamma = rng.next();
      const lam = rng.next();
      const rewards = fromRows([[0, 0, 0.1, 0.1, 0.1, 0, 0, 0.1, 1.0, 0, 0]]);
      const values1 = fromRows([[uniform(-100, 100), rng.next(), 4, 5, 6, uniform(-100, 0), rng.next(), 7, 9, 0, 0]]);
      const values2 = fromRows([[rng.next(), uniform(-100, 100), 4, 5, 6, rng.next(), uniform(0, 100), 7, 9, 0, 0]]);
      const mask = fromRows([[0, 0, 1, 1, 1, 0, 0, 1, 1, 0, 0]]);
      const config = defaultAdvantageConfig({ gamma, lam });
      const a = computeAdvantage('gae', { tokenLevelRewards: rewards, responseMask: mask, values: values1 }, config);
      const b = computeAdvantage('gae', { tokenLevelRewards: rewards, responseMask: mask, values: values2 }, config);
      expect(Array.from(a.advantages.data)).toEqual(Array.from(b.advantages.data));
      // torch.equal treats −0 and +0 as equal; `+ 0` maps −0 to +0 for toEqual.
      const masked = (m: Float64Array) => Array.from(m).map((x, k) => x * mask.data[k] + 0);
      expect(masked(a.returns.data)).toEqual(masked(b.returns.data));
    }
  });
});

/** verl's _make_group_index: every group gets 2 members, the rest are spread at random, then shuffled. */
function makeGroupIndex(rng: Rng, batch: number, groups: number): number[] {
  const counts = new Array<number>(groups).fill(2);
  for (let i = 0; i < batch - 2 * groups; i++) counts[rng.int(groups)]++;
  const index = counts.flatMap((c, g) => new Array<number>(c).fill(g));
  return rng.shuffle(index);
}

describe('vectorised estimators match the loops (rtol 1e-5, atol 1e-6 as verl)', () => {
  const params: Array<[number, number, number, number]> = [
    [64, 128, 5, 0],
    [128, 256, 8, 1],
    [512, 512, 10, 2],
  ];
  for (const [batch, seqLen, groups, seed] of params) {
    for (const [loop, vectorised] of [['rloo', 'rloo_vectorized'], ['grpo', 'grpo_vectorized']]) {
      it(`${loop} vs ${vectorised} (batch ${batch}, seq ${seqLen}, ${groups} groups, seed ${seed})`, () => {
        const rng = new Rng(seed);
        const index = makeGroupIndex(rng, batch, groups);
        const mask = randomMask(rng, batch, seqLen);
        const rewards = fromRows(
          Array.from({ length: batch }, (_, i) => Array.from({ length: seqLen }, (_, t) => Math.fround(rng.normal()) * mask.data[i * seqLen + t])),
        );
        const input = { tokenLevelRewards: rewards, responseMask: mask, index };
        const config = defaultAdvantageConfig();
        const a = computeAdvantage(loop, input, config);
        const b = computeAdvantage(vectorised, input, config);
        expect([a.advantages.rows, a.advantages.cols, b.advantages.rows, b.advantages.cols]).toEqual([batch, seqLen, batch, seqLen]);
        // torch.allclose: |a − b| ≤ atol + rtol·|b|
        expectClose(toRows(a.advantages), toRows(b.advantages), { rel: 1e-5, abs: 1e-6 });
        expectClose(toRows(a.returns), toRows(b.returns), { rel: 1e-5, abs: 1e-6 });
      });
    }
  }
});

describe('reduce_metrics and Metric (test_metric_utils_on_cpu.py)', () => {
  it('means by default, NaN for an empty list, a single value as is', () => {
    expect(reduceMetrics({ loss: [1, 2, 3], accuracy: [0, 0.5, 1] })).toEqual({ loss: 2.0, accuracy: 0.5 });
    expect(reduceMetrics({ empty: [] }).empty).toBeNaN();
    expect(reduceMetrics({ single: [5.0] }).single).toBe(5.0);
  });
  it('takes max / min by key name', () => {
    expect(reduceMetrics({ max_reward: [5, 8, 6], min_error: [0.1, 0.05, 0.2], loss: [1, 2] })).toEqual({ max_reward: 8, min_error: 0.05, loss: 1.5 });
  });
  it('uses a Metric\'s own aggregation, mixed with lists', () => {
    const metric = new Metric('mean');
    [1, 2, 3].forEach((v) => metric.append(v));
    expect(reduceMetrics({ m: metric, l: [4, 5, 6] })).toEqual({ m: 2.0, l: 5.0 });
  });
  it('Metric: aggregations, initial value, append/extend, chain, fromDict, initList', () => {
    expect(new Metric('mean').aggregation).toBe('mean');
    expect(() => new Metric('invalid')).toThrow("Unsupported aggregation type: 'invalid'. Known: mean, sum, min, max.");
    expect(new Metric('mean', 5.0).values).toEqual([5.0]);
    const m1 = new Metric('mean', 1.0);
    m1.append(2);
    m1.append(new Metric('mean', 3.0));
    expect(m1.values).toEqual([1, 2, 3]);
    m1.extend([4]);
    expect(m1.aggregate()).toBe(2.5);
    expect(() => new Metric('mean').extend(new Metric('sum'))).toThrow('Aggregation type mismatch: mean != sum');
    expect(new Metric('sum', [1, 2, 3, 4]).aggregate()).toBe(10);
    expect(new Metric('min', [3, 1, 4, 2]).aggregate()).toBe(1);
    expect(new Metric('max', [3, 1, 4, 2]).aggregate()).toBe(4);
    const chained = Metric.chain([new Metric('sum', [1, 2]), new Metric('sum', [3, 4])]);
    expect([chained.values, chained.aggregation, chained.aggregate()]).toEqual([[1, 2, 3, 4], 'sum', 10]);
    const fromDict = Metric.fromDict({ loss: 1.0, accuracy: 0.9 }, 'mean');
    expect([fromDict.loss.values, fromDict.accuracy.values, fromDict.loss.aggregation]).toEqual([[1.0], [0.9], 'mean']);
    const empty = new Metric('max', [1]).initList();
    expect([empty.values, empty.aggregation]).toEqual([[], 'max']);
  });
});
