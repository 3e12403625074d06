/**
 * Every case of tests/fixtures/verl-core-algos.json (produced by verl's own core_algos.py in float64, torch
 * autograd gradients): values, metrics and gradients must match, and every `error` case must be refused.
 * Tolerance: 1e-9 relative with a 1e-12 absolute floor (values near 0) for everything, grpo_vectorized
 * included: its float32 group statistics are emulated step by step with Math.fround, so no looser tolerance
 * is needed. An unknown kind or name fails the test, so new fixture cases cannot be skipped silently.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  advantageEstimatorNames,
  aggLoss,
  computeAdvantage,
  computeEntropyLoss,
  computeOnlineDpoLoss,
  computeOnlineDpoPreference,
  computePolicyLoss,
  computeRewards,
  computeValueLoss,
  createKlController,
  defaultAdvantageConfig,
  defaultPolicyLossConfig,
  formDpoPairs,
  klPenalty,
  klPenaltyNames,
  logitsOf,
  LOSS_AGG_MODES,
  policyLossNames,
  toRows,
} from '../../src/algos/index.js';
import type { AdvantageInput, Mat } from '../../src/algos/index.js';
import { Rng } from '../../src/util/rng.js';
import { expectClose, mat } from './helpers.js';

interface FixtureCase {
  kind: string;
  name: string;
  params?: Record<string, unknown>;
  inputs: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  grads?: Record<string, unknown>;
  error?: string;
  trace?: Array<{ current_kl: number; n_steps: number; value_after: number }>;
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/verl-core-algos.json', import.meta.url), 'utf8')) as {
  verl_commit: string;
  cases: FixtureCase[];
};

const m = (c: FixtureCase, key: string): Mat => mat(c.inputs[key] as number[][]);
const optMat = (c: FixtureCase, key: string): Mat | undefined => (c.inputs[key] === undefined ? undefined : m(c, key));
const num = (c: FixtureCase, key: string): number => c.params?.[key] as number;

function runAdvantage(c: FixtureCase): void {
  expect(advantageEstimatorNames(), `unknown advantage estimator '${c.name}'`).toContain(c.name);
  const input: AdvantageInput = {
    tokenLevelRewards: m(c, 'token_level_rewards'),
    responseMask: m(c, 'response_mask'),
    index: c.inputs.index as Array<string | number> | undefined,
    values: optMat(c, 'values'),
    rewardBaselines: c.inputs.reward_baselines as number[] | undefined,
    oldLogProbs: optMat(c, 'old_log_probs'),
    sumPiSquared: optMat(c, 'sum_pi_squared'),
    rolloutIsWeights: optMat(c, 'rollout_is_weights'),
  };
  const p = c.params ?? {};
  const config = defaultAdvantageConfig({
    ...(p.gamma !== undefined ? { gamma: p.gamma as number } : {}),
    ...(p.lam !== undefined ? { lam: p.lam as number } : {}),
    ...(p.norm_adv_by_std_in_grpo !== undefined ? { normAdvByStdInGrpo: p.norm_adv_by_std_in_grpo as boolean } : {}),
    ...(p.handle_zero_tail !== undefined ? { handleZeroTail: p.handle_zero_tail as boolean } : {}),
  });
  if (c.error !== undefined) {
    expect(() => computeAdvantage(c.name, input, config)).toThrow(c.error);
    return;
  }
  const out = computeAdvantage(c.name, input, config);
  const expected = c.outputs as { advantages: number[][]; returns: number[][] };
  expectClose(toRows(out.advantages), expected.advantages, undefined, 'advantages');
  expectClose(toRows(out.returns), expected.returns, undefined, 'returns');
}

function runPolicyLoss(c: FixtureCase): void {
  expect(policyLossNames(), `unknown policy loss '${c.name}'`).toContain(c.name);
  const p = c.params as Record<string, number | string | Record<string, number | string>>;
  const pl = p.policy_loss as Record<string, number>;
  const config = defaultPolicyLossConfig({
    lossAggMode: p.loss_agg_mode as string,
    clipRatio: p.clip_ratio as number,
    clipRatioLow: p.clip_ratio_low as number,
    clipRatioHigh: p.clip_ratio_high as number,
    clipRatioC: p.clip_ratio_c as number,
    tauPos: p.tau_pos as number,
    tauNeg: p.tau_neg as number,
    clipCovRatio: pl.clip_cov_ratio,
    clipCovLb: pl.clip_cov_lb,
    clipCovUb: pl.clip_cov_ub,
    klCovRatio: pl.kl_cov_ratio,
    ppoKlCoef: pl.ppo_kl_coef,
  });
  const out = computePolicyLoss(
    c.name,
    {
      oldLogProb: m(c, 'old_log_prob'),
      logProb: m(c, 'log_prob'),
      advantages: m(c, 'advantages'),
      responseMask: m(c, 'response_mask'),
      rng: new Rng(0),
    },
    config,
  );
  const expected = c.outputs as { loss: number; metrics: Record<string, number> };
  expectClose(out.loss, expected.loss, undefined, 'loss');
  expect(Object.keys(out.metrics).sort()).toEqual(Object.keys(expected.metrics).sort());
  expectClose(Object.keys(expected.metrics).map((k) => out.metrics[k]), Object.values(expected.metrics), undefined, 'metrics');
  const rows = (c.grads as { log_prob: number[][] }).log_prob;
  expectClose(Array.from(out.grad.logProb), rows.flat(), undefined, 'd loss / d log_prob');
}

function runAggLoss(c: FixtureCase): void {
  expect(LOSS_AGG_MODES as readonly string[]).toContain(c.name);
  const { loss, weights } = aggLoss(m(c, 'loss_mat'), m(c, 'loss_mask'), c.name);
  expectClose(loss, (c.outputs as { loss: number }).loss, undefined, 'loss');
  expectClose(toRows(weights), (c.grads as { loss_mat: number[][] }).loss_mat, undefined, 'd loss / d loss_mat');
}

function runKlPenalty(c: FixtureCase): void {
  expect(klPenaltyNames()).toContain(c.name);
  const { kl, dLogProb } = klPenalty(m(c, 'log_prob'), m(c, 'ref_log_prob'), c.name);
  expectClose(toRows(kl), (c.outputs as { kl: number[][] }).kl, undefined, 'kl');
  expectClose(Array.from(dLogProb), (c.grads as { log_prob_of_sum: number[][] }).log_prob_of_sum.flat(), undefined, 'd Σkl / d log_prob');
}

function runValueLoss(c: FixtureCase): void {
  expect(c.name).toBe('clipped');
  const out = computeValueLoss(
    { vpreds: m(c, 'vpreds'), values: m(c, 'values'), returns: m(c, 'returns'), responseMask: m(c, 'response_mask') },
    { cliprangeValue: num(c, 'cliprange_value'), lossAggMode: c.params?.loss_agg_mode as string },
  );
  const expected = c.outputs as { vf_loss: number; vf_clipfrac: number };
  expectClose(out.loss, expected.vf_loss, undefined, 'vf_loss');
  expectClose(out.metrics['critic/vf_clipfrac'], expected.vf_clipfrac, undefined, 'vf_clipfrac');
  expectClose(Array.from(out.grad.vpreds), (c.grads as { vpreds: number[][] }).vpreds.flat(), undefined, 'd vf_loss / d vpreds');
}

function runEntropy(c: FixtureCase): void {
  expect(LOSS_AGG_MODES as readonly string[]).toContain(c.name);
  const nested = c.inputs.logits as number[][][];
  const [B, T, V] = [nested.length, nested[0].length, nested[0][0].length];
  const logits = logitsOf(Float64Array.from(nested.flat(2)), B, T, V);
  const out = computeEntropyLoss(logits, m(c, 'response_mask'), c.name);
  const expected = c.outputs as { entropy: number; token_entropy: number[][] };
  expectClose(out.loss, expected.entropy, undefined, 'entropy');
  expectClose(toRows(out.tokenEntropy), expected.token_entropy, undefined, 'token_entropy');
  expectClose(Array.from(out.grad.logits), (c.grads as { logits: number[][][] }).logits.flat(2), undefined, 'd entropy / d logits');
}

function runKlController(c: FixtureCase): void {
  const ctrl = createKlController({
    type: c.name,
    klCoef: num(c, 'init_kl_coef'),
    targetKl: num(c, 'target_kl'),
    horizon: num(c, 'horizon'),
  });
  for (const step of c.trace ?? []) {
    ctrl.update(step.current_kl, step.n_steps);
    expectClose(ctrl.value, step.value_after, undefined, 'kl_ctrl.value');
  }
  expect((c.trace ?? []).length).toBeGreaterThan(0);
}

function runComputeRewards(c: FixtureCase): void {
  expect(c.name).toBe('kl_in_reward');
  const out = computeRewards(m(c, 'token_level_scores'), m(c, 'old_log_prob'), m(c, 'ref_log_prob'), num(c, 'kl_ratio'));
  expectClose(toRows(out), (c.outputs as { token_level_rewards: number[][] }).token_level_rewards, undefined, 'token_level_rewards');
}

function runDpoPref(c: FixtureCase): void {
  expect(c.name).toBe('online_dpo');
  const rewards = m(c, 'token_level_rewards');
  const mask = m(c, 'response_mask');
  const expected = (c.outputs as { chosen_mask: boolean[] }).chosen_mask;
  expect(computeOnlineDpoPreference(rewards, mask)).toEqual(expected);
  // The general pair former reproduces verl's pairs for rollout.n = 2.
  const pairs = formDpoPairs(rewards, mask, 2);
  expect(pairs.map((p) => p.chosen)).toEqual(expected.flatMap((x, i) => (x ? [i] : [])));
}

function runDpoLoss(c: FixtureCase): void {
  const out = computeOnlineDpoLoss(
    {
      policyChosenLogps: c.inputs.policy_chosen_logps as number[],
      policyRejectedLogps: c.inputs.policy_rejected_logps as number[],
      referenceChosenLogps: c.inputs.reference_chosen_logps as number[],
      referenceRejectedLogps: c.inputs.reference_rejected_logps as number[],
    },
    {
      beta: num(c, 'beta'),
      labelSmoothing: num(c, 'label_smoothing'),
      referenceFree: c.params?.reference_free as boolean,
      lossType: c.name,
    },
  );
  expectClose(out.loss, (c.outputs as { loss: number }).loss, undefined, 'dpo loss');
  const g = c.grads as { policy_chosen_logps: number[]; policy_rejected_logps: number[] };
  expectClose(Array.from(out.grad.policyChosenLogps), g.policy_chosen_logps, undefined, 'd loss / d policy_chosen_logps');
  expectClose(Array.from(out.grad.policyRejectedLogps), g.policy_rejected_logps, undefined, 'd loss / d policy_rejected_logps');
}

const handlers: Record<string, (c: FixtureCase) => void> = {
  advantage: runAdvantage,
  policy_loss: runPolicyLoss,
  agg_loss: runAggLoss,
  kl_penalty: runKlPenalty,
  value_loss: runValueLoss,
  entropy: runEntropy,
  kl_controller: runKlController,
  compute_rewards: runComputeRewards,
  dpo_pref: runDpoPref,
  dpo_loss: runDpoLoss,
};

describe(`verl core_algos fixture (verl ${fixture.verl_commit.slice(0, 9)})`, () => {
  it('has cases', () => {
    expect(fixture.cases.length).toBeGreaterThanOrEqual(176);
  });
  const seen = new Map<string, number>();
  for (const c of fixture.cases) {
    const id = `${c.kind}/${c.name}`;
    const n = (seen.get(id) ?? 0) + 1;
    seen.set(id, n);
    it(`${id} #${n}${c.error !== undefined ? ' (refused)' : ''}`, () => {
      const handler = handlers[c.kind];
      expect(handler, `unknown fixture kind '${c.kind}'`).toBeDefined();
      handler(c);
    });
  }
});
