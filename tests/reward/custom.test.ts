import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCustomRewardFunction } from '../../src/reward/scoring-function.js';
import { loadRewardManager, rewardConfigFromSections } from '../../src/reward/from-config.js';
import { rewardSections } from '../support/composed-config.js';
import { ConfigValidationError } from '../../src/config/schema/validate.js';
import { ASCII, CharTokenizer } from '../data/char-tokenizer.js';
import { rolloutBatch } from './rollout-batch.js';
import { makeTempDir } from '../support/temp-dir.js';

const tok = new CharTokenizer(ASCII);
const batch = rolloutBatch(
  tok,
  [
    { prompt: 'Q', response: 'so 12', dataSource: 'openai/gsm8k', groundTruth: '12', extraInfo: { index: 5 } },
    { prompt: 'Q', response: 'so 1,3', dataSource: 'openai/gsm8k', groundTruth: '12', extraInfo: { index: 6 } },
  ],
  2,
  8,
);

describe('custom reward functions', () => {
  it('loads the .ts example and turns its extra keys into reward_extra_info', async () => {
    const cfg = rewardConfigFromSections(
      rewardSections(['custom_reward_function.path=examples/custom-reward/reward.ts', '+custom_reward_function.reward_kwargs={brevity_weight:0.5}']),
    );
    const m = await loadRewardManager(cfg, tok, { numExamine: 0 });
    const out = await m.compute(batch);
    // correct: 1 + 0.5·(1 − 5/1000); wrong: 0.5·(1 − 6/1000)
    expect(out.sequenceScores[0]).toBeCloseTo(1 + 0.5 * (1 - 5 / 1000), 6);
    expect(out.sequenceScores[1]).toBeCloseTo(0.5 * (1 - 6 / 1000), 6);
    expect(out.rewardExtraInfo.acc).toEqual([true, false]);
    expect(out.rewardExtraInfo.pred).toEqual(['12', '13']);
    expect(out.rewardExtraInfo.index).toEqual([5, 6]);
  });

  it('runs the batch variant of the example through the batch manager', async () => {
    const cfg = rewardConfigFromSections(
      rewardSections([
        'reward_model.reward_manager=batch',
        'custom_reward_function.path=examples/custom-reward/reward.ts',
        'custom_reward_function.name=compute_score_batch',
      ]),
    );
    const out = await (await loadRewardManager(cfg, tok, { numExamine: 0 })).compute(batch);
    expect(Array.from(out.sequenceScores)).toEqual([1, 0]);
  });

  it('lets reward_kwargs override the call arguments (verl precedence) and awaits async functions', async () => {
    const dir = makeTempDir('verl-ts-crf-');
    writeFileSync(join(dir, 'r.mjs'), 'export async function score(ds, sol, gt, extra, kw) { return { score: gt === "forced" ? 1 : 0, seen: kw.extra_kw }; }\n');
    const sf = await loadCustomRewardFunction({ path: 'r.mjs', name: 'score', rewardKwargs: { ground_truth: 'forced', extra_kw: 7 } }, { cwd: dir });
    const cfgOut = await (await import('../../src/reward/managers/registry.js'))
      .createRewardManager('naive', { tokenizer: tok, numExamine: 0, computeScore: sf })
      .compute(batch);
    expect(Array.from(cfgOut.sequenceScores)).toEqual([1, 1]);
    expect(cfgOut.rewardExtraInfo.seen).toEqual([7, 7]);
  });

  it('names a missing file and a missing export', async () => {
    const dir = makeTempDir('verl-ts-crf-');
    await expect(loadCustomRewardFunction({ path: 'nope.ts', name: 'compute_score', rewardKwargs: {} }, { cwd: dir })).rejects.toThrow(
      `custom_reward_function.path: file not found: 'nope.ts' (looked at ${join(dir, 'nope.ts')})`,
    );
    writeFileSync(join(dir, 'r.mjs'), 'export function compute_scores() { return 1; }\n');
    await expect(loadCustomRewardFunction({ path: 'r.mjs', name: 'compute_score', rewardKwargs: {} }, { cwd: dir })).rejects.toThrow(
      "custom_reward_function: 'r.mjs' has no export named 'compute_score'. Exports: compute_scores. Did you mean 'compute_scores'?",
    );
  });

  it('reports a non-score result, naming the sample and function', async () => {
    const dir = makeTempDir('verl-ts-crf-');
    writeFileSync(join(dir, 'r.mjs'), 'export function compute_score(ds, sol) { return sol.includes(",") ? "oops" : 1; }\n');
    const cfg = rewardConfigFromSections(rewardSections([`custom_reward_function.path='${join(dir, 'r.mjs')}'`]));
    const m = await loadRewardManager(cfg, tok, { numExamine: 0 });
    await expect(m.compute(batch)).rejects.toThrow(
      `reward function compute_score from '${join(dir, 'r.mjs')}' returned a string ('oops'); expected a finite number, a boolean, {score, ...} or an array of finite numbers (one per response token) (sample 1, data_source 'openai/gsm8k').`,
    );
  });
});

describe('reward config', () => {
  it('maps verl keys, including DAPO overlong settings passed through reward_kwargs', () => {
    const cfg = rewardConfigFromSections(
      rewardSections([
        'data.max_response_length=64',
        'data.reward_fn_key=source',
        'reward_model.reward_manager=dapo',
        '+reward_model.reward_kwargs={overlong_buffer_cfg:{enable:true,len:16,penalty_factor:1.0,log:true},max_resp_len:32,other:1}',
        'custom_reward_function.on_error=zero',
        'custom_reward_function.timeout_s=5',
      ]),
    );
    expect(cfg).toEqual({
      rewardManager: 'dapo',
      rewardKwargs: { other: 1 },
      overlongBuffer: { enable: true, len: 16, penaltyFactor: 1, log: true },
      customRewardFunction: { path: null, name: 'compute_score', rewardKwargs: {} },
      policy: { onError: 'zero', timeoutS: 5 },
      rewardFnKey: 'source',
      maxResponseLength: 32,
      maxConcurrency: undefined,
    });
    expect(() => rewardSections(['custom_reward_function.on_error=skip'])).toThrow(ConfigValidationError);
    expect(() => rewardSections(['custom_reward_function.on_error=skip'])).toThrow("on_error: 'skip' is not allowed; expected one of: raise, zero.");
    expect(() => rewardConfigFromSections(rewardSections(['+reward_model.reward_kwargs={max_resp_len:-3}']))).toThrow(
      'reward_model.reward_kwargs.max_resp_len: expected a positive integer, got -3',
    );
  });

  it('refuses reward_kwargs a built-in manager does not take', async () => {
    const cfg = rewardConfigFromSections(rewardSections(['+reward_model.reward_kwargs={temperature:1}']));
    await expect(loadRewardManager(cfg, tok, { numExamine: 0 })).rejects.toThrow(
      "reward_model.reward_kwargs.temperature: the naive reward manager takes no such argument (reward_kwargs go to the batch manager's function; dapo takes overlong_buffer_cfg and max_resp_len, prime max_concurrency)",
    );
  });
});
