/**
 * The recipes' registered pieces: the sppo estimator (batch soft-mean baseline), the sppo and online_dpo
 * policy losses (values against hand-computed references, gradients against finite differences), and what
 * they declare to the loop.
 */
import { describe, expect, it } from 'vitest';
import {
  advantageEstimatorNeeds,
  computeAdvantage,
  computeOnlineDpoLoss,
  computePolicyLoss,
  defaultPolicyLossConfig,
  matOf,
  policyLossNeeds,
  softMean,
  type Mat,
} from '../../src/algos/index.js';
import { expectClose, finiteDifference, mat, randomMask, randomMat, Rng } from './helpers.js';

const FD_TOL = { rel: 1e-6, abs: 1e-7 };
const withData = (m: Mat, data: Float64Array): Mat => matOf(data, m.rows, m.cols);

describe('sppo estimator', () => {
  it('softMean is (1/β)·log mean exp(β·x), the plain mean at β = 0, and stable for large β·x', () => {
    expectClose(softMean([1, 2, 4], 1), Math.log((Math.E + Math.E ** 2 + Math.E ** 4) / 3));
    expectClose(softMean([1, 2, 4], 0.5), 2 * Math.log((Math.exp(0.5) + Math.exp(1) + Math.exp(2)) / 3));
    expectClose(softMean([1, 2, 4], 0), 7 / 3);
    expectClose(softMean([1000, 1000], 2), 1000);
  });

  it('gives every token of a response its summed reward minus the batch soft-mean', () => {
    const rewards = mat([[0, 0, 1], [0, 0.5, 0], [0, 0, 0]]);
    const mask = mat([[1, 1, 1], [1, 1, 0], [1, 0, 0]]);
    const out = computeAdvantage('sppo', { tokenLevelRewards: rewards, responseMask: mask }, { gamma: 1, lam: 1, normAdvByStdInGrpo: true, algorithm: { sppo_eta: 2 } });
    const base = Math.log((Math.exp(2) + Math.exp(1) + 1) / 3) / 2;
    expectClose(Array.from(out.advantages.data), [1 - base, 1 - base, 1 - base, 0.5 - base, 0.5 - base, 0, -base, 0, 0]);
    expect(Array.from(out.returns.data)).toEqual(Array.from(out.advantages.data));
    expect(advantageEstimatorNeeds('sppo')).toMatchObject({ values: false, groups: false, sumPiSquared: false });
  });

  it('refuses a non-numeric algorithm.sppo_eta by key', () => {
    const m = mat([[1]]);
    expect(() => computeAdvantage('sppo', { tokenLevelRewards: m, responseMask: m }, { gamma: 1, lam: 1, normAdvByStdInGrpo: true, algorithm: { sppo_eta: 'x' } })).toThrow(
      /algorithm\.sppo_eta must be a finite number/,
    );
  });
});

function sequenceInputs(seed: number, rows = 4, cols = 5) {
  const rng = new Rng(seed);
  const oldLogProb = randomMat(rng, rows, cols, (r) => -r.next() * 3);
  return {
    oldLogProb,
    logProb: withData(oldLogProb, oldLogProb.data.map((x) => x + 0.3 * rng.normal())),
    refLogProb: withData(oldLogProb, oldLogProb.data.map((x) => x + 0.3 * rng.normal())),
    advantages: randomMat(rng, rows, cols, (r) => r.normal()),
    responseMask: randomMask(rng, rows, cols, 0.7),
  };
}

describe('sppo policy loss', () => {
  it("is the mean over sequences of (Σ(logp − old)·m − η·a)², with verl's metrics", () => {
    const logProb = mat([[-1, -2, 0], [-0.5, 0, 0]]);
    const oldLogProb = mat([[-1.5, -2, -9], [-1, -7, 0]]);
    const mask = mat([[1, 1, 0], [1, 0, 0]]);
    const advantages = mat([[0.4, 0.4, 0], [-0.2, 0, 0]]);
    const config = defaultPolicyLossConfig({ actor: { sppo_eta: 2 } });
    const out = computePolicyLoss('sppo', { oldLogProb, logProb, advantages, responseMask: mask }, config);
    // row 0: log-ratio 0.5, target 0.8; row 1: log-ratio 0.5, target −0.4
    expectClose(out.loss, ((0.5 - 0.8) ** 2 + (0.5 + 0.4) ** 2) / 2);
    expectClose(out.metrics['actor/log_ratio_mean'], 0.5);
    expectClose(out.metrics['actor/preference_mean'], 0.2);
  });

  it('has the exact gradient (finite differences)', () => {
    const input = sequenceInputs(11);
    const config = defaultPolicyLossConfig({ actor: { sppo_eta: 0.7 } });
    const lossAt = (x: Float64Array) => computePolicyLoss('sppo', { ...input, logProb: withData(input.logProb, x) }, config).loss;
    const analytic = computePolicyLoss('sppo', input, config).grad.logProb;
    expectClose(Array.from(analytic), Array.from(finiteDifference(lossAt, Float64Array.from(input.logProb.data))), FD_TOL);
  });
});

describe('online_dpo policy loss', () => {
  it('equals computeOnlineDpoLoss on the pairs of sequence log-probs, with the SPIN reward metrics', () => {
    const input = sequenceInputs(3);
    const config = defaultPolicyLossConfig({ actor: { dpo_beta: 0.2 }, algorithm: { dpo_loss_type: 'sigmoid', dpo_label_smoothing: 0.1 } });
    const out = computePolicyLoss('online_dpo', input, config);
    const seq = (m: Mat) => Array.from({ length: m.rows }, (_, i) => {
      let s = 0;
      for (let t = 0; t < m.cols; t++) s += m.data[i * m.cols + t] * input.responseMask.data[i * m.cols + t];
      return s;
    });
    const pi = seq(input.logProb);
    const ref = seq(input.refLogProb);
    const reference = computeOnlineDpoLoss(
      { policyChosenLogps: [pi[0], pi[2]], policyRejectedLogps: [pi[1], pi[3]], referenceChosenLogps: [ref[0], ref[2]], referenceRejectedLogps: [ref[1], ref[3]] },
      { beta: 0.2, labelSmoothing: 0.1 },
    );
    expectClose(out.loss, reference.loss);
    expectClose(out.metrics['actor/dpo_loss'], reference.loss);
    const chosen = 0.2 * ((pi[0] + pi[2]) / 2 - (ref[0] + ref[2]) / 2);
    const rejected = 0.2 * ((pi[1] + pi[3]) / 2 - (ref[1] + ref[3]) / 2);
    expectClose(out.metrics['actor/rewards_chosen'], chosen);
    expectClose(out.metrics['actor/rewards_rejected'], rejected);
    expectClose(out.metrics['actor/rewards_margins'], chosen - rejected);
    expect(out.metrics['actor/rewards_accuracies']).toBe(reference.metrics['actor/dpo_logits'] > 0 ? 1 : 0);
  });

  for (const lossType of ['sigmoid', 'ipo']) {
    it(`has the exact gradient (${lossType}, finite differences)`, () => {
      const input = sequenceInputs(7, 6, 4);
      const config = defaultPolicyLossConfig({ actor: { dpo_beta: 0.5 }, algorithm: { dpo_loss_type: lossType } });
      const lossAt = (x: Float64Array) => computePolicyLoss('online_dpo', { ...input, logProb: withData(input.logProb, x) }, config).loss;
      const analytic = computePolicyLoss('online_dpo', input, config).grad.logProb;
      expectClose(Array.from(analytic), Array.from(finiteDifference(lossAt, Float64Array.from(input.logProb.data))), FD_TOL);
    });
  }

  it('refuses an odd number of rows, and a missing reference unless reference-free', () => {
    const input = sequenceInputs(5, 3, 4);
    expect(() => computePolicyLoss('online_dpo', input, defaultPolicyLossConfig())).toThrow(/\(chosen, rejected\) pairs, got an odd number \(3\)/);
    const even = sequenceInputs(5, 2, 4);
    expect(() => computePolicyLoss('online_dpo', { ...even, refLogProb: null }, defaultPolicyLossConfig())).toThrow(/needs the reference policy's log-probs/);
    const free = computePolicyLoss('online_dpo', { ...even, refLogProb: null }, defaultPolicyLossConfig({ algorithm: { dpo_reference_free: true } }));
    expect(Number.isFinite(free.loss)).toBe(true);
  });

  it('declares pairs and reference log-probs; the others declare neither', () => {
    expect(policyLossNeeds('online_dpo')).toMatchObject({ preferencePairs: true, referenceLogProbs: true, rolloutLogProbs: false });
    expect(policyLossNeeds('sppo')).toMatchObject({ preferencePairs: false, referenceLogProbs: false });
    expect(policyLossNeeds('vanilla')).toMatchObject({ preferencePairs: false, referenceLogProbs: false });
  });
});
