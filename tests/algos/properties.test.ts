/**
 * Properties: micro-batch accumulation equals the full mini-batch for every agg mode and every loss built on
 * agg_loss (with global normalisers); positions with mask 0 never affect results; group estimators are
 * invariant to a constant added to a group's scores.
 */
import { describe, expect, it } from 'vitest';
import {
  aggLoss,
  computeAdvantage,
  computeEntropyLoss,
  computeKlLoss,
  computePolicyLoss,
  computeValueLoss,
  defaultAdvantageConfig,
  defaultPolicyLossConfig,
  logitsOf,
  LOSS_AGG_MODES,
  maskRowSums,
  maskSum,
  matOf,
  toRows,
} from '../../src/algos/index.js';
import type { AdvantageInput, GlobalBatchInfo, LossResult, Mat } from '../../src/algos/index.js';
import { expectClose, randomMask, randomMat, Rng } from './helpers.js';

const B = 6;
const T = 5;
const TIGHT = { rel: 1e-12, abs: 1e-14 };

function rowsOf(m: Mat, from: number, to: number): Mat {
  return matOf(m.data.slice(from * m.cols, to * m.cols), to - from, m.cols);
}

/** Normalisers of the whole mini-batch, as the trainer supplies them to every micro-batch. */
function globalFor(mask: Mat): GlobalBatchInfo {
  const nonEmpty = Array.from(maskRowSums(mask)).filter((n) => n > 0).length;
  return { batchNumTokens: maskSum(mask), globalBatchSize: nonEmpty, lossScaleFactor: mask.cols, dpSize: 1 };
}

const SPLITS = [[0, 2], [2, 3], [3, 6]] as const;

/** Sum of micro-batch losses and concatenated gradients vs. the full batch. */
function expectAdditive<G extends string>(full: LossResult<G>, parts: Array<LossResult<G>>, key: G): void {
  expectClose(parts.reduce((s, p) => s + p.loss, 0), full.loss, TIGHT, 'summed loss');
  const grads = parts.flatMap((p) => Array.from(p.grad[key]));
  expectClose(grads, Array.from(full.grad[key]), TIGHT, 'concatenated gradient');
}

function data(seed: number) {
  const rng = new Rng(seed);
  const mask = randomMask(rng, B, T, 0.6);
  mask.data.fill(0, 4 * T, 5 * T); // one empty sequence, which the seq-mean modes must not count
  const oldLogProb = randomMat(rng, B, T, (r) => -r.next() * 3);
  return {
    rng,
    mask,
    oldLogProb,
    logProb: matOf(oldLogProb.data.map((x) => x + 0.3 * rng.normal()), B, T),
    advantages: randomMat(rng, B, T, (r) => r.normal()),
  };
}

describe('micro-batch accumulation equals the mini-batch', () => {
  for (const mode of LOSS_AGG_MODES) {
    it(`agg_loss ${mode}`, () => {
      const { rng, mask } = data(1);
      const lossMat = randomMat(rng, B, T, (r) => r.normal());
      const global = globalFor(mask);
      const full = aggLoss(lossMat, mask, mode, global);
      const parts = SPLITS.map(([a, b]) => aggLoss(rowsOf(lossMat, a, b), rowsOf(mask, a, b), mode, global));
      expectClose(parts.reduce((s, p) => s + p.loss, 0), full.loss, TIGHT);
      expectClose(parts.flatMap((p) => Array.from(p.weights.data)), Array.from(full.weights.data), TIGHT);
      // Without global normalisers the full-batch loss is the plain verl result.
      expect(aggLoss(lossMat, mask, mode).loss).toBeCloseTo(full.loss, 12);
    });

    for (const name of ['vanilla', 'gspo', 'sapo', 'gpg', 'geo_mean', 'cispo']) {
      it(`policy loss ${name} with ${mode}`, () => {
        const d = data(2);
        const isWeights = randomMat(d.rng, B, T, (r) => 2 * r.next());
        const config = defaultPolicyLossConfig({ lossAggMode: mode, global: globalFor(d.mask) });
        const run = (a: number, b: number) =>
          computePolicyLoss(
            name,
            {
              oldLogProb: rowsOf(d.oldLogProb, a, b),
              logProb: rowsOf(d.logProb, a, b),
              advantages: rowsOf(d.advantages, a, b),
              responseMask: rowsOf(d.mask, a, b),
              rolloutIsWeights: rowsOf(isWeights, a, b),
            },
            config,
          );
        expectAdditive(run(0, B), SPLITS.map(([a, b]) => run(a, b)), 'logProb');
      });
    }

    it(`KL loss, value loss and entropy with ${mode}`, () => {
      const d = data(3);
      const global = globalFor(d.mask);
      const kl = (a: number, b: number) => computeKlLoss(rowsOf(d.logProb, a, b), rowsOf(d.oldLogProb, a, b), rowsOf(d.mask, a, b), 'k3', mode, global);
      expectAdditive(kl(0, B), SPLITS.map(([a, b]) => kl(a, b)), 'logProb');
      const returns = randomMat(d.rng, B, T, (r) => r.normal());
      const vl = (a: number, b: number) =>
        computeValueLoss(
          { vpreds: rowsOf(d.logProb, a, b), values: rowsOf(d.oldLogProb, a, b), returns: rowsOf(returns, a, b), responseMask: rowsOf(d.mask, a, b) },
          { cliprangeValue: 0.2, lossAggMode: mode, global },
        );
      expectAdditive(vl(0, B), SPLITS.map(([a, b]) => vl(a, b)), 'vpreds');
      const V = 4;
      const logits = Float64Array.from({ length: B * T * V }, () => d.rng.normal());
      const ent = (a: number, b: number) =>
        computeEntropyLoss(logitsOf(logits.slice(a * T * V, b * T * V), b - a, T, V), rowsOf(d.mask, a, b), mode, global);
      expectAdditive(ent(0, B), SPLITS.map(([a, b]) => ent(a, b)), 'logits');
    });
  }
});

/** Copies `m` with every position where mask = 0 replaced by another (finite) value. */
function scrambleMasked(m: Mat, mask: Mat, rng: Rng): Mat {
  return matOf(m.data.map((x, k) => (mask.data[k] === 0 ? 5 * rng.normal() : x)), m.rows, m.cols);
}

describe('positions with mask 0 never affect results', () => {
  for (const name of ['vanilla', 'gspo', 'sapo', 'gpg', 'clip_cov', 'kl_cov', 'geo_mean', 'cispo', 'bypass_mode']) {
    for (const mode of LOSS_AGG_MODES) {
      it(`policy loss ${name} (${mode})`, () => {
        const d = data(4);
        const config = defaultPolicyLossConfig({
          lossAggMode: mode,
          clipCovRatio: 0.3,
          clipCovLb: 0.01,
          klCovRatio: 0.3,
          rolloutCorrection: { rolloutIs: 'sequence', rolloutRs: 'token_k1,seq_mean_k3', rolloutRsThreshold: '0.7_1.5,0.05', lossType: 'reinforce' },
        });
        const input = { oldLogProb: d.oldLogProb, logProb: d.logProb, advantages: d.advantages, responseMask: d.mask };
        const a = computePolicyLoss(name, { ...input, rng: new Rng(9) }, config);
        const scrambled = new Rng(10);
        const b = computePolicyLoss(
          name,
          {
            oldLogProb: scrambleMasked(d.oldLogProb, d.mask, scrambled),
            logProb: scrambleMasked(d.logProb, d.mask, scrambled),
            advantages: scrambleMasked(d.advantages, d.mask, scrambled),
            responseMask: d.mask,
            rng: new Rng(9),
          },
          config,
        );
        expectClose(b.loss, a.loss, TIGHT);
        expect(Object.keys(b.metrics)).toEqual(Object.keys(a.metrics));
        for (const [k, v] of Object.entries(a.metrics)) expectClose(b.metrics[k], v, TIGHT, k);
        expectClose(Array.from(b.grad.logProb), Array.from(a.grad.logProb), TIGHT);
        expect(Array.from(a.grad.logProb).filter((_, k) => d.mask.data[k] === 0).every((g) => g === 0)).toBe(true);
      });
    }
  }

  it('value loss, KL loss and entropy', () => {
    const d = data(5);
    const s = new Rng(6);
    const config = { cliprangeValue: 0.3, lossAggMode: 'seq-mean-token-mean' };
    const v1 = computeValueLoss({ vpreds: d.logProb, values: d.oldLogProb, returns: d.advantages, responseMask: d.mask }, config);
    const v2 = computeValueLoss(
      { vpreds: scrambleMasked(d.logProb, d.mask, s), values: scrambleMasked(d.oldLogProb, d.mask, s), returns: scrambleMasked(d.advantages, d.mask, s), responseMask: d.mask },
      config,
    );
    expectClose([v2.loss, v2.metrics['critic/vf_clipfrac'], v2.metrics['critic/vpred_mean']], [v1.loss, v1.metrics['critic/vf_clipfrac'], v1.metrics['critic/vpred_mean']], TIGHT);
    expectClose(Array.from(v2.grad.vpreds), Array.from(v1.grad.vpreds), TIGHT);
    const k1 = computeKlLoss(d.logProb, d.oldLogProb, d.mask, 'low_var_kl+', 'token-mean');
    const k2 = computeKlLoss(scrambleMasked(d.logProb, d.mask, s), scrambleMasked(d.oldLogProb, d.mask, s), d.mask, 'low_var_kl+', 'token-mean');
    expectClose(k2.loss, k1.loss, TIGHT);
    expectClose(Array.from(k2.grad.logProb), Array.from(k1.grad.logProb), TIGHT);
  });

  const estimatorCases: Array<[string, Array<keyof AdvantageInput>]> = [
    ['gae', ['values', 'tokenLevelRewards']],
    ['reinforce_plus_plus', ['tokenLevelRewards']],
    ['remax', ['tokenLevelRewards']],
    ['optimal_token_baseline', ['tokenLevelRewards', 'oldLogProbs', 'sumPiSquared', 'rolloutIsWeights']],
    ['tir_optimal_token_baseline', ['tokenLevelRewards', 'oldLogProbs', 'sumPiSquared', 'rolloutIsWeights']],
  ];
  for (const [name, keys] of estimatorCases) {
    it(`advantage estimator ${name} (advantages, and returns at valid positions)`, () => {
      const rng = new Rng(7);
      const mask = randomMask(rng, B, T, 0.6);
      const input: AdvantageInput = {
        tokenLevelRewards: randomMat(rng, B, T, (r) => r.normal()),
        responseMask: mask,
        index: [0, 0, 1, 1, 1, 2],
        values: randomMat(rng, B, T, (r) => r.normal()),
        rewardBaselines: [0.1, -0.2, 0.3, 0, 0.5, 1],
        oldLogProbs: randomMat(rng, B, T, (r) => -r.next() * 2),
        sumPiSquared: randomMat(rng, B, T, (r) => r.next()),
        rolloutIsWeights: randomMat(rng, B, T, (r) => 2 * r.next()),
      };
      const config = defaultAdvantageConfig({ gamma: 0.9, lam: 0.8 });
      const a = computeAdvantage(name, input, config);
      const scrambled: AdvantageInput = { ...input };
      for (const key of keys) (scrambled as unknown as Record<string, unknown>)[key] = scrambleMasked(input[key] as Mat, mask, rng);
      const b = computeAdvantage(name, scrambled, config);
      expectClose(toRows(b.advantages), toRows(a.advantages), TIGHT, 'advantages');
      const validReturns = (m: Mat) => Array.from(m.data).filter((_, k) => mask.data[k] !== 0);
      expectClose(validReturns(b.returns), validReturns(a.returns), TIGHT, 'returns');
    });
  }
});

describe('group estimators are invariant to a constant added to a group', () => {
  for (const name of ['grpo', 'grpo_vectorized', 'grpo_passk', 'rloo', 'rloo_vectorized', 'opo', 'reinforce_plus_plus_baseline']) {
    it(name, () => {
      const rng = new Rng(8);
      const mask = randomMask(rng, 8, T, 0.6);
      const index = ['a', 'b', 'a', 'c', 'b', 'a', 'c', 'b'];
      const rewards = randomMat(rng, 8, T, (r) => (r.next() < 0.5 ? r.normal() : 0));
      for (let k = 0; k < rewards.data.length; k++) rewards.data[k] *= mask.data[k];
      const shifted = matOf(Float64Array.from(rewards.data), 8, T);
      // Add 3.5 to every score of group 'b' (on each row's first valid token).
      index.forEach((g, i) => {
        if (g !== 'b') return;
        const t = Array.from({ length: T }, (_, j) => j).find((j) => mask.data[i * T + j] !== 0) as number;
        shifted.data[i * T + t] += 3.5;
      });
      const config = defaultAdvantageConfig();
      const a = computeAdvantage(name, { tokenLevelRewards: rewards, responseMask: mask, index }, config);
      const b = computeAdvantage(name, { tokenLevelRewards: shifted, responseMask: mask, index }, config);
      // grpo_vectorized computes its group statistics in float32 (as verl), so it is invariant to float32 precision only.
      const tol = name === 'grpo_vectorized' ? { rel: 1e-5, abs: 1e-6 } : { rel: 1e-9, abs: 1e-12 };
      expectClose(toRows(b.advantages), toRows(a.advantages), tol);
    });
  }
});
