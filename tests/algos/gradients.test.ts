/**
 * Every hand-derived gradient against central finite differences in float64 (h = 1e-6; agreement to 1e-6
 * relative + 1e-7 absolute). Random inputs keep every token away from clip boundaries and ties by more than h
 * with overwhelming probability. Losses whose torch gradient is deliberately not the derivative of their value
 * (stop-gradient terms: gspo's sequence ratio, cispo's clipped weight, bypass mode's IS weights, the "+" KL
 * variants) are checked against verl's autograd in the fixture tests instead; the "+" variants are also
 * checked here to carry exactly k2's finite-difference gradient.
 */
import { describe, it } from 'vitest';
import {
  aggLoss,
  computeEntropyLoss,
  computeKlLoss,
  computeOnlineDpoLoss,
  computePolicyLoss,
  computeValueLoss,
  defaultPolicyLossConfig,
  klPenalty,
  logitsOf,
  LOSS_AGG_MODES,
  matOf,
  reinforcePolicyLoss,
} from '../../src/algos/index.js';
import type { Mat, PolicyLossConfig } from '../../src/algos/index.js';
import { expectClose, finiteDifference, randomMask, randomMat, Rng } from './helpers.js';

const FD_TOL = { rel: 1e-6, abs: 1e-7 };
const B = 4;
const T = 6;

function withData(m: Mat, data: Float64Array): Mat {
  return matOf(data, m.rows, m.cols);
}

function policyInputs(seed: number) {
  const rng = new Rng(seed);
  const oldLogProb = randomMat(rng, B, T, (r) => -r.next() * 3);
  const logProb = withData(oldLogProb, oldLogProb.data.map((x) => x + 0.4 * rng.normal()));
  return {
    oldLogProb,
    logProb,
    advantages: randomMat(rng, B, T, (r) => r.normal()),
    responseMask: randomMask(rng, B, T, 0.7),
  };
}

describe('policy-loss gradients match finite differences', () => {
  const cases: Array<[string, Partial<PolicyLossConfig>]> = [
    ['vanilla', { clipRatioC: 3 }],
    ['vanilla', { clipRatioC: 1.5, clipRatioLow: 0.1, clipRatioHigh: 0.3 }],
    ['sapo', {}],
    ['gpg', {}],
    ['clip_cov', { clipCovRatio: 0.2, clipCovLb: 0.05, clipCovUb: 5 }],
    ['kl_cov', { klCovRatio: 0.2, ppoKlCoef: 0.3 }],
    ['geo_mean', {}],
  ];
  for (const [name, overrides] of cases) {
    for (const mode of LOSS_AGG_MODES) {
      it(`${name} (${mode}${overrides.clipRatioC === 1.5 ? ', tight dual clip' : ''})`, () => {
        const input = policyInputs(name.length * 31 + mode.length);
        const config = defaultPolicyLossConfig({ lossAggMode: mode, ...overrides });
        const lossAt = (x: Float64Array): number =>
          computePolicyLoss(name, { ...input, logProb: withData(input.logProb, x), rng: new Rng(5) }, config).loss;
        const analytic = computePolicyLoss(name, { ...input, rng: new Rng(5) }, config).grad.logProb;
        expectClose(Array.from(analytic), Array.from(finiteDifference(lossAt, Float64Array.from(input.logProb.data))), FD_TOL, name);
      });
    }
  }
  it('reinforce (bypass_mode loss_type reinforce, without IS weights)', () => {
    const input = policyInputs(3);
    const config = defaultPolicyLossConfig({ lossAggMode: 'seq-mean-token-sum' });
    const lossAt = (x: Float64Array): number => reinforcePolicyLoss({ ...input, logProb: withData(input.logProb, x) }, config).loss;
    expectClose(
      Array.from(reinforcePolicyLoss(input, config).grad.logProb),
      Array.from(finiteDifference(lossAt, Float64Array.from(input.logProb.data))),
      FD_TOL,
    );
  });
});

describe('other gradients match finite differences', () => {
  it('agg_loss in every mode, with and without global normalisers', () => {
    const rng = new Rng(11);
    const lossMat = randomMat(rng, B, T, (r) => r.normal());
    const mask = randomMask(rng, B, T);
    for (const mode of LOSS_AGG_MODES) {
      for (const global of [{}, { dpSize: 2, batchNumTokens: 17, globalBatchSize: 9, lossScaleFactor: 5 }]) {
        const f = (x: Float64Array): number => aggLoss(withData(lossMat, x), mask, mode, global).loss;
        expectClose(Array.from(aggLoss(lossMat, mask, mode, global).weights.data), Array.from(finiteDifference(f, Float64Array.from(lossMat.data))), FD_TOL, mode);
      }
    }
  });

  it('KL estimators; the "+" variants carry k2\'s gradient', () => {
    const rng = new Rng(12);
    const logp = randomMat(rng, B, T, (r) => -r.next() * 3);
    const ref = randomMat(rng, B, T, (r) => -r.next() * 3);
    const sumOf = (type: string) => (x: Float64Array): number => klPenalty(withData(logp, x), ref, type).kl.data.reduce((a, b) => a + b, 0);
    for (const type of ['kl', 'k1', 'abs', 'mse', 'k2', 'low_var_kl', 'k3']) {
      expectClose(Array.from(klPenalty(logp, ref, type).dLogProb), Array.from(finiteDifference(sumOf(type), Float64Array.from(logp.data))), FD_TOL, type);
    }
    const k2 = Array.from(finiteDifference(sumOf('k2'), Float64Array.from(logp.data)));
    for (const type of ['kl+', 'k1+', 'abs+', 'mse+', 'k2+', 'low_var_kl+', 'k3+']) {
      expectClose(Array.from(klPenalty(logp, ref, type).dLogProb), k2, FD_TOL, type);
    }
  });

  it('low_var_kl outside its clamps has zero gradient', () => {
    const logp = matOf(Float64Array.from([0, 0, -30]), 1, 3);
    const ref = matOf(Float64Array.from([-25, 5, 0]), 1, 3);
    // ref − logp = −25 (x clamped at −20: zero grad), 5 (e⁵ − 6 > 10: value clamped, zero grad), 30 (clamped).
    expectClose(Array.from(klPenalty(logp, ref, 'k3').dLogProb), [0, 0, 0]);
  });

  it('KL loss in every agg mode', () => {
    const rng = new Rng(13);
    const logp = randomMat(rng, B, T, (r) => -r.next() * 3);
    const ref = randomMat(rng, B, T, (r) => -r.next() * 3);
    const mask = randomMask(rng, B, T);
    for (const mode of LOSS_AGG_MODES) {
      const f = (x: Float64Array): number => computeKlLoss(withData(logp, x), ref, mask, 'low_var_kl', mode).loss;
      expectClose(Array.from(computeKlLoss(logp, ref, mask, 'low_var_kl', mode).grad.logProb), Array.from(finiteDifference(f, Float64Array.from(logp.data))), FD_TOL, mode);
    }
  });

  it('clipped value loss in every agg mode', () => {
    const rng = new Rng(14);
    const values = randomMat(rng, B, T, (r) => r.normal());
    const vpreds = withData(values, values.data.map((v) => v + rng.normal()));
    const returns = randomMat(rng, B, T, (r) => r.normal());
    const responseMask = randomMask(rng, B, T);
    for (const mode of LOSS_AGG_MODES) {
      const config = { cliprangeValue: 0.4, lossAggMode: mode };
      const f = (x: Float64Array): number => computeValueLoss({ vpreds: withData(vpreds, x), values, returns, responseMask }, config).loss;
      expectClose(
        Array.from(computeValueLoss({ vpreds, values, returns, responseMask }, config).grad.vpreds),
        Array.from(finiteDifference(f, Float64Array.from(vpreds.data))),
        FD_TOL,
        mode,
      );
    }
  });

  it('entropy with respect to logits', () => {
    const rng = new Rng(15);
    const V = 5;
    const data = Float64Array.from({ length: B * T * V }, () => 2 * rng.normal());
    const mask = randomMask(rng, B, T);
    for (const mode of LOSS_AGG_MODES) {
      const f = (x: Float64Array): number => computeEntropyLoss(logitsOf(x, B, T, V), mask, mode).loss;
      expectClose(Array.from(computeEntropyLoss(logitsOf(data, B, T, V), mask, mode).grad.logits), Array.from(finiteDifference(f, Float64Array.from(data))), FD_TOL, mode);
    }
  });

  it('online DPO (sigmoid with label smoothing, ipo, reference-free)', () => {
    const rng = new Rng(16);
    const P = 5;
    const draw = () => Float64Array.from({ length: P }, () => -10 * rng.next());
    const [pc, pr, rc, rr] = [draw(), draw(), draw(), draw()];
    for (const config of [
      { beta: 0.1, labelSmoothing: 0.1 },
      { beta: 0.5, lossType: 'ipo' },
      { beta: 0.3, referenceFree: true },
    ]) {
      const loss = (c: Float64Array, r: Float64Array): number =>
        computeOnlineDpoLoss({ policyChosenLogps: c, policyRejectedLogps: r, referenceChosenLogps: rc, referenceRejectedLogps: rr }, config).loss;
      const out = computeOnlineDpoLoss({ policyChosenLogps: pc, policyRejectedLogps: pr, referenceChosenLogps: rc, referenceRejectedLogps: rr }, config);
      expectClose(Array.from(out.grad.policyChosenLogps), Array.from(finiteDifference((x) => loss(x, pr), Float64Array.from(pc))), FD_TOL);
      expectClose(Array.from(out.grad.policyRejectedLogps), Array.from(finiteDifference((x) => loss(pc, x), Float64Array.from(pr))), FD_TOL);
    }
  });
});
