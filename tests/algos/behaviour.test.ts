/**
 * Hand-computed behaviour and refusals (exact messages): KL in reward and controllers, pf_ppo, online-DPO
 * pairs, rollout-correction edge cases, masked helpers, clip_cov's seeded selection, input checks.
 */
import { describe, expect, it } from 'vitest';
import {
  aggLoss,
  applyKlPenalty,
  checkKlType,
  computeAdvantage,
  computeOnlineDpoLoss,
  computeOnlineDpoPreference,
  computePolicyLoss,
  computeRolloutCorrection,
  createKlController,
  defaultAdvantageConfig,
  defaultKlControlConfig,
  defaultPolicyLossConfig,
  dpoRewardMetrics,
  entropyFromLogits,
  FixedKlController,
  formDpoPairs,
  fromRows,
  getPolicyLoss,
  klPenalty,
  logitsOf,
  maskedMean,
  maskedVar,
  maskedWhiten,
  pfPpoResampleIndices,
  pfPpoWeights,
  policyLossNames,
  sumPiSquaredFromLogits,
  takeRows,
  toRows,
} from '../../src/algos/index.js';
import { ConfigError, InputError } from '../../src/util/errors.js';
import { expectClose, Rng } from './helpers.js';

describe('KL in the reward', () => {
  it('applyKlPenalty uses the controller value before its update and reports verl\'s metrics', () => {
    const scores = fromRows([[0, 0, 1], [0, 2, 0]]);
    const old = fromRows([[-1, -2, -3], [-1, -1, -1]]);
    const ref = fromRows([[-1.5, -2, -2], [-2, -1, -4]]);
    const mask = fromRows([[1, 1, 1], [1, 1, 0]]);
    const ctrl = createKlController(defaultKlControlConfig({ type: 'adaptive', klCoef: 0.1, targetKl: 0.1, horizon: 10 }));
    const out = applyKlPenalty({ tokenLevelScores: scores, oldLogProbs: old, refLogProb: ref, responseMask: mask }, ctrl, 'kl');
    // kl·m = [[0.5, 0, −1], [1, 0, 0]] → rewards = scores − 0.1·kl
    expectClose(toRows(out.tokenLevelRewards), [[-0.05, 0, 1.1], [-0.1, 2, 0]]);
    const currentKl = (-0.5 / (3 + 1e-8) + 1 / (2 + 1e-8)) / 2;
    expectClose(out.currentKl, currentKl);
    expect(out.metrics).toEqual({ 'actor/reward_kl_penalty': out.currentKl, 'actor/reward_kl_penalty_coeff': 0.1 });
    // value·(1 + clip(kl/target − 1, ±0.2)·n_steps/horizon) with n_steps = B = 2
    expectClose(ctrl.value, 0.1 * (1 + (Math.max(-0.2, Math.min(0.2, currentKl / 0.1 - 1)) * 2) / 10));
  });
  it('the fixed controller never changes; the factory refuses bad settings', () => {
    const fixed = createKlController(defaultKlControlConfig({ klCoef: 0.3 }));
    expect(fixed).toBeInstanceOf(FixedKlController);
    fixed.update(100, 100);
    expect(fixed.value).toBe(0.3);
    expect(() => createKlController(defaultKlControlConfig({ type: 'adaptive', horizon: 0 }))).toThrow(
      'algorithm.kl_ctrl.horizon: horizon must be larger than 0. Got 0',
    );
    expect(() => createKlController(defaultKlControlConfig({ type: 'adaptve' }))).toThrow(
      "algorithm.kl_ctrl.type: unknown KL controller 'adaptve'. Known: fixed, adaptive. Did you mean 'adaptive'?",
    );
  });
  it('refuses "full" and unknown KL types', () => {
    expect(() => checkKlType('full')).toThrow(ConfigError);
    expect(() => checkKlType('full', 'actor_rollout_ref.actor.kl_loss_type')).toThrow(
      "actor_rollout_ref.actor.kl_loss_type: kl type 'full' is not supported: it needs the log-probs of the whole vocabulary",
    );
    expect(() => klPenalty(fromRows([[0]]), fromRows([[0]]), 'low_var')).toThrow("unknown kl type 'low_var'");
    expect(() => klPenalty(fromRows([[0]]), fromRows([[0]]), 'K3')).toThrow("Did you mean 'k3'?");
  });
});

describe('pf_ppo reweighting', () => {
  it('computes verl\'s weights', () => {
    expectClose(Array.from(pfPpoWeights([1, -2, 0], 'pow', 2)), [1 + 1e-8, 4 + 1e-8, 1e-8]);
    expectClose(Array.from(pfPpoWeights([1, 3, 2, 1], 'max_min')), [1 + 1e-8, 1 + 1e-8, 1e-8, 1 + 1e-8]);
    expectClose(Array.from(pfPpoWeights([1, 3, 3], 'max_random')), [0.1 + 1e-8, 0.4 + 1e-8, 0.4 + 1e-8]);
    expect(() => pfPpoWeights([1], 'maxmin')).toThrow(
      "algorithm.pf_ppo.reweight_method: Unsupported reweight_method: 'maxmin'. Known: pow, max_min, max_random. Did you mean 'max_min'?",
    );
  });
  it('draws B indices with replacement, reproducibly, in proportion to the weights', () => {
    const scores = [0, 0, 1, 0];
    const a = pfPpoResampleIndices(scores, 'max_min', 2, new Rng(3));
    expect(a).toHaveLength(4);
    expect(pfPpoResampleIndices(scores, 'max_min', 2, new Rng(3))).toEqual(a);
    const counts = [0, 0];
    const draws = pfPpoResampleIndices(Array.from({ length: 2000 }, (_, i) => (i === 0 ? 1 : 0)), 'max_random', 2, new Rng(4));
    for (const i of draws) counts[i === 0 ? 0 : 1]++;
    // P(row 0) = 0.4 / (0.4 + 1999·0.1) ≈ 0.002
    expect(counts[0]).toBeLessThan(20);
    expect(toRows(takeRows(fromRows([[1, 2], [3, 4]]), [1, 1, 0]))).toEqual([[3, 4], [3, 4], [1, 2]]);
  });
});

describe('online DPO', () => {
  it('forms best-vs-worst pairs for rollout.n > 2 and drops groups without a preference', () => {
    const rewards = fromRows([[1], [3], [3], [0], [2], [2], [2], [2], [5], [0], [0], [5]]);
    const mask = fromRows(Array.from({ length: 12 }, () => [1]));
    expect(formDpoPairs(rewards, mask, 4)).toEqual([
      { chosen: 1, rejected: 3 },
      { chosen: 8, rejected: 9 },
    ]);
    expect(formDpoPairs(rewards, mask, 3)).toEqual([
      { chosen: 1, rejected: 0 },
      { chosen: 4, rejected: 3 },
      { chosen: 8, rejected: 6 },
      { chosen: 11, rejected: 9 },
    ]);
    expect(() => formDpoPairs(rewards, mask, 5)).toThrow('online DPO pairs: 12 rows is not a whole number of groups of rollout.n = 5');
    expect(() => formDpoPairs(rewards, mask, 1)).toThrow('actor_rollout_ref.rollout.n must be an integer ≥ 2 for online DPO');
  });
  it('refuses an odd batch and unknown loss types; zero pairs give a zero loss', () => {
    expect(() => computeOnlineDpoPreference(fromRows([[1], [2], [3]]), fromRows([[1], [1], [1]]))).toThrow(
      'online DPO preference: the batch must hold interleaved pairs of responses, so its size must be even; got 3 rows',
    );
    const empty = { policyChosenLogps: [], policyRejectedLogps: [], referenceChosenLogps: [], referenceRejectedLogps: [] };
    expect(computeOnlineDpoLoss(empty, { beta: 0.1 }).loss).toBe(0);
    expect(() => computeOnlineDpoLoss(empty, { beta: 0.1, lossType: 'hinge' })).toThrow(
      "algorithm.dpo_loss_type: Unsupported loss_type: 'hinge'. Choose 'sigmoid' or 'ipo'.",
    );
  });
  it('reports SPIN\'s metrics', () => {
    const out = computeOnlineDpoLoss(
      { policyChosenLogps: [-1, -3], policyRejectedLogps: [-2, -2], referenceChosenLogps: [-1.5, -2.5], referenceRejectedLogps: [-2, -3] },
      { beta: 0.5 },
    );
    // x = (πc − πr) − (refc − refr) = [1 − 0.5, −1 − 0.5] = [0.5, −1.5]
    expectClose(out.metrics['actor/dpo_logits'], -0.5);
    expectClose(out.loss, (-Math.log(1 / (1 + Math.exp(-0.25))) - Math.log(1 / (1 + Math.exp(0.75)))) / 2);
    const r = dpoRewardMetrics(out.metrics, 0.5);
    expectClose([r['actor/rewards_chosen'], r['actor/rewards_rejected'], r['actor/rewards_accuracies'], r['actor/rewards_margins']], [0, 0.25, 0, -0.25]);
  });
});

describe('masked helpers and entropy', () => {
  it('masked_var refuses n = 0 and n = 1; whitening transforms masked positions too', () => {
    expect(() => maskedVar(fromRows([[1, 2]]), fromRows([[0, 0]]))).toThrow('At least one element in the mask has to be 1.');
    expect(() => maskedVar(fromRows([[1, 2]]), fromRows([[1, 0]]))).toThrow('The sum of the mask is one, which can cause a division by zero.');
    const w = maskedWhiten(fromRows([[1, 3, 100]]), fromRows([[1, 1, 0]]));
    const mean = 4 / (2 + 1e-8);
    const variance = (((1 - mean) ** 2 + (3 - mean) ** 2) / (2 + 1e-8)) * 2;
    expectClose(toRows(w), [[(1 - mean) / Math.sqrt(variance + 1e-8), (3 - mean) / Math.sqrt(variance + 1e-8), (100 - mean) / Math.sqrt(variance + 1e-8)]]);
    expect(maskedMean(fromRows([[NaN, 2]]), fromRows([[0, 1]]))).toBeCloseTo(2, 7);
  });
  it('entropy and Σπ² from logits match direct sums', () => {
    const z = [0.5, -1, 2];
    const p = z.map(Math.exp);
    const s = p.reduce((a, b) => a + b);
    const probs = p.map((x) => x / s);
    const logits = logitsOf(Float64Array.from(z), 1, 1, 3);
    expectClose(entropyFromLogits(logits).data[0], -probs.reduce((a, q) => a + q * Math.log(q), 0));
    expectClose(sumPiSquaredFromLogits(logits).data[0], probs.reduce((a, q) => a + q * q, 0));
  });
  it('agg_loss refuses unknown modes', () => {
    expect(() => aggLoss(fromRows([[1]]), fromRows([[1]]), 'token_mean')).toThrow(
      "loss_agg_mode: Invalid loss_agg_mode: 'token_mean'. Known: token-mean, seq-mean-token-sum, seq-mean-token-mean, seq-mean-token-sum-norm. Did you mean 'token-mean'?",
    );
  });
});

describe('policy-loss refusals and options', () => {
  const input = {
    oldLogProb: fromRows([[-1, -2], [-1, -1]]),
    logProb: fromRows([[-0.9, -2.2], [-1.1, -0.5]]),
    advantages: fromRows([[1, -1], [0.5, 2]]),
    responseMask: fromRows([[1, 1], [1, 0]]),
  };
  it('lists verl\'s registered losses; reinforce is internal only', () => {
    expect(policyLossNames().slice(0, 9)).toEqual(['vanilla', 'gspo', 'sapo', 'gpg', 'clip_cov', 'kl_cov', 'geo_mean', 'cispo', 'bypass_mode']);
    expect(() => getPolicyLoss('reinforce')).toThrow(
      "actor_rollout_ref.actor.policy_loss.loss_mode: unknown policy loss 'reinforce'. Known: vanilla, gspo, sapo, gpg, clip_cov, kl_cov, geo_mean, cispo, bypass_mode",
    );
  });
  it('vanilla refuses clip_ratio_c ≤ 1', () => {
    expect(() => computePolicyLoss('vanilla', input, defaultPolicyLossConfig({ clipRatioC: 1 }))).toThrow(
      'actor.clip_ratio_c: The lower bound of the clip_ratio_c for dual-clip PPO should be greater than 1.0, but get the value: 1.',
    );
  });
  it('checks shapes', () => {
    expect(() => computePolicyLoss('vanilla', { ...input, advantages: fromRows([[1, 2]]) }, defaultPolicyLossConfig())).toThrow(
      "policy loss 'vanilla': advantages has shape [1, 2], expected [2, 2] (the shape of logProb)",
    );
  });
  it('clip_cov needs a seeded Rng only when it has to choose, and chooses reproducibly', () => {
    const rng = new Rng(1);
    const B = 8;
    const T = 8;
    const big = {
      oldLogProb: fromRows(Array.from({ length: B }, () => Array.from({ length: T }, () => -1))),
      logProb: fromRows(Array.from({ length: B }, () => Array.from({ length: T }, () => -1 + 0.05 * rng.normal()))),
      advantages: fromRows(Array.from({ length: B }, () => Array.from({ length: T }, () => 20 * rng.normal()))),
      responseMask: fromRows(Array.from({ length: B }, () => Array.from({ length: T }, () => 1))),
    };
    const config = defaultPolicyLossConfig({ clipCovRatio: 0.02, clipCovLb: 0, clipCovUb: 100 });
    expect(() => computePolicyLoss('clip_cov', big, config)).toThrow("policy loss 'clip_cov' chooses tokens at random and needs a seeded Rng (input.rng)");
    const a = computePolicyLoss('clip_cov', { ...big, rng: new Rng(7) }, config);
    const b = computePolicyLoss('clip_cov', { ...big, rng: new Rng(7) }, config);
    expect(a.metrics['actor/pg_clipfrac']).toBeCloseTo(1 / 64, 9);
    expect(Array.from(b.grad.logProb)).toEqual(Array.from(a.grad.logProb));
    expect(() => computePolicyLoss('clip_cov', big, defaultPolicyLossConfig({ clipCovRatio: 0 }))).toThrow(
      "actor.policy_loss.clip_cov_ratio should be larger than 0 for policy loss 'clip_cov', got 0",
    );
  });
  it('bypass_mode refuses a missing rollout_correction, a bad loss_type and bad rejection settings', () => {
    expect(() => computePolicyLoss('bypass_mode', input, defaultPolicyLossConfig())).toThrow(
      "rollout_correction config not found in policy_loss. When using loss_mode='bypass_mode', ensure rollout_correction config is passed",
    );
    const with_ = (rc: object) => defaultPolicyLossConfig({ rolloutCorrection: rc });
    expect(() => computePolicyLoss('bypass_mode', input, with_({ lossType: 'ppo' }))).toThrow(
      "algorithm.rollout_correction.loss_type: Invalid loss_type: 'ppo'. Must be 'reinforce' or 'ppo_clip'.",
    );
    expect(() => computePolicyLoss('bypass_mode', input, with_({ rolloutRs: 'token_k4', rolloutRsThreshold: 1 }))).toThrow(
      "algorithm.rollout_correction.rollout_rs: Invalid rollout_rs option: 'token_k4'. Must be one of seq_max_k2, seq_max_k3, seq_mean_k1",
    );
    expect(() => computePolicyLoss('bypass_mode', input, with_({ rolloutRs: 'token_k2' }))).toThrow(
      'algorithm.rollout_correction.rollout_rs_threshold must be provided for rejection sampling (rollout_rs is set).',
    );
    expect(() => computePolicyLoss('bypass_mode', input, with_({ rolloutRs: 'token_k2', rolloutRsThreshold: '0.1_0.2' }))).toThrow(
      "algorithm.rollout_correction.rollout_rs_threshold for option 'token_k2' must provide a single upper bound without '_'. Received '0.1_0.2'.",
    );
    expect(() => computePolicyLoss('bypass_mode', input, with_({ rolloutRs: 'token_k1,seq_sum_k2', rolloutRsThreshold: '1,2,3' }))).toThrow(
      'algorithm.rollout_correction.rollout_rs_threshold expects either one threshold shared by all options or exactly 2 thresholds',
    );
    expect(() => computePolicyLoss('bypass_mode', input, with_({ rolloutIs: 'tokens' }))).toThrow(
      "algorithm.rollout_correction.rollout_is: Invalid rollout_is: 'tokens'. Must be one of token, sequence. Did you mean 'token'?",
    );
  });
  it('rollout correction refuses an all-masked batch and leaves the input mask untouched', () => {
    expect(() => computeRolloutCorrection(input.logProb, input.oldLogProb, fromRows([[0, 0], [0, 0]]), {})).toThrow(InputError);
    const r = computeRolloutCorrection(input.logProb, input.oldLogProb, input.responseMask, { rolloutRs: 'token_k1', rolloutRsThreshold: '0.95_1.05' });
    expect(toRows(input.responseMask)).toEqual([[1, 1], [1, 0]]);
    expect(toRows(r.responseMask)).toEqual([[0, 0], [0, 0]]);
    expect(r.isWeights).toBeNull();
  });
});

describe('advantage input checks', () => {
  const base = { tokenLevelRewards: fromRows([[0, 1], [1, 0]]), responseMask: fromRows([[1, 1], [1, 0]]) };
  it('names what is missing', () => {
    const config = defaultAdvantageConfig();
    expect(() => computeAdvantage('grpo', base, config)).toThrow("advantage estimator 'grpo' groups responses by uid and needs 'index' (one uid per row)");
    expect(() => computeAdvantage('grpo', { ...base, index: ['a'] }, config)).toThrow("advantage estimator 'grpo': index has 1 entries, expected one per row (2)");
    expect(() => computeAdvantage('gae', base, config)).toThrow("advantage estimator 'gae' needs 'values' (critic values; gae needs a critic)");
    expect(() => computeAdvantage('remax', base, config)).toThrow("advantage estimator 'remax' needs 'rewardBaselines'");
    expect(() => computeAdvantage('optimal_token_baseline', { ...base, index: [0, 0], oldLogProbs: base.tokenLevelRewards }, config)).toThrow(
      "advantage estimator 'optimal_token_baseline' needs 'sumPiSquared' (the actor must report Σπ² per token: actor.calculate_sum_pi_squared=True)",
    );
    expect(() => computeAdvantage('opo', { ...base, index: [0, 0], responseMask: fromRows([[1, 1]]) }, config)).toThrow(
      "advantage estimator 'opo': responseMask has shape [1, 2], expected [2, 2] (the shape of tokenLevelRewards)",
    );
  });
  it('edge cases as verl: singleton groups', () => {
    const one = { tokenLevelRewards: fromRows([[0, 2]]), responseMask: fromRows([[1, 1]]), index: ['u'] };
    const config = defaultAdvantageConfig();
    expectClose(toRows(computeAdvantage('grpo', one, config).advantages), [[2 / (1 + 1e-6), 2 / (1 + 1e-6)]]);
    expectClose(toRows(computeAdvantage('rloo', one, config).advantages), [[2, 2]]);
    expectClose(toRows(computeAdvantage('rloo_vectorized', one, config).advantages), [[0, 0]]);
    expectClose(toRows(computeAdvantage('grpo_vectorized', one, config).advantages), [[2 / Math.fround(1 + Math.fround(1e-6)), 2 / Math.fround(1 + Math.fround(1e-6))]]);
    const same = { tokenLevelRewards: fromRows([[1], [1], [1]]), responseMask: fromRows([[1], [1], [1]]), index: [7, 7, 7] };
    expect(toRows(computeAdvantage('grpo', same, config).advantages)).toEqual([[0], [0], [0]]);
    expect(toRows(computeAdvantage('grpo_passk', same, config).advantages)).toEqual([[0], [0], [0]]);
  });
});
