import { describe, expect, it } from 'vitest';
import { createRewardManager, registerRewardManager } from '../../src/reward/managers/registry.js';
import { overlongPenalty } from '../../src/reward/managers/dapo.js';
import type { ScoringFunction } from '../../src/reward/scoring-function.js';
import { Tensor } from '../../src/data/tensor.js';
import { ASCII, CharTokenizer } from '../data/char-tokenizer.js';
import { rolloutBatch } from './rollout-batch.js';

const tok = new CharTokenizer(ASCII);
const fn = (label: string, f: (...a: never[]) => unknown, rewardKwargs: Record<string, unknown> = {}): ScoringFunction => ({
  label,
  fn: f as (...args: unknown[]) => unknown,
  rewardKwargs,
  builtIn: false,
});

describe('naive reward manager', () => {
  it('puts the score on the last valid response token and collects extras', async () => {
    const batch = rolloutBatch(
      tok,
      [
        { prompt: 'Q1', response: '#### 7E', dataSource: 'openai/gsm8k', groundTruth: '7' },
        { prompt: 'Q22', response: 'Answer: 3', dataSource: 'math_dapo', groundTruth: '4' },
      ],
      4,
      12,
    );
    const lines: string[] = [];
    const m = createRewardManager('naive', { tokenizer: tok, numExamine: 1, log: (l) => lines.push(l) });
    const out = await m.compute(batch);
    expect(out.rewardTensor.shape).toEqual([2, 12]);
    const row0 = Array.from(out.rewardTensor.row(0));
    expect(row0[6]).toBe(1); // "#### 7E": 7 tokens, the EOS token (index 6) carries the score
    expect(row0.reduce((a, b) => a + b, 0)).toBe(1);
    expect(out.rewardTensor.row(1)[8]).toBe(-1);
    expect(Array.from(out.sequenceScores)).toEqual([1, -1]);
    expect(out.rewardExtraInfo).toEqual({ score: [null, -1], acc: [null, false], pred: [null, '3'] });
    expect(out.metrics).toEqual({ 'reward/score_failures': 0 });
    expect(lines).toEqual([
      '[prompt] Q1',
      '[response] #### 7',
      '[ground_truth] 7',
      '[score] 1',
      '[prompt] Q22',
      '[response] Answer: 3',
      '[ground_truth] 4',
      '[score] -1',
      '[acc] False',
      '[pred] 3',
    ]);
  });

  it("writes an empty response's score on the last column, as verl's index −1 does", async () => {
    const batch = rolloutBatch(tok, [{ prompt: 'Q', response: '', dataSource: 'x', groundTruth: 'g' }], 2, 5);
    const m = createRewardManager('naive', { tokenizer: tok, numExamine: 0, computeScore: fn('f', () => 0.5) });
    const out = await m.compute(batch);
    expect(Array.from(out.rewardTensor.row(0))).toEqual([0, 0, 0, 0, 0.5]);
  });

  it('passes data_source, the decoded response, ground truth and extra_info (with num_turns and rollout_reward_scores)', async () => {
    const calls: unknown[][] = [];
    const batch = rolloutBatch(tok, [{ prompt: 'Q', response: 'abcE', dataSource: 'mine', groundTruth: { a: 1 }, extraInfo: { index: 4 } }], 2, 6);
    await createRewardManager('naive', { tokenizer: tok, numExamine: 0, computeScore: fn('f', (...a: unknown[]) => (calls.push(a), 1)) }).compute(batch);
    expect(calls).toEqual([['mine', 'abc', { a: 1 }, { index: 4, num_turns: null, rollout_reward_scores: {} }, {}]]);
  });

  it('places a dense reward from the first response token', async () => {
    const batch = rolloutBatch(tok, [{ prompt: 'Q', response: 'abc', dataSource: 'x', groundTruth: '' }], 2, 5);
    const out = await createRewardManager('naive', { tokenizer: tok, numExamine: 0, computeScore: fn('f', () => [0.1, 0.2, 0.3, 0.4]) }).compute(batch);
    expect(Array.from(out.rewardTensor.row(0))).toEqual([0.1, 0.2, 0.3, 0, 0].map(Math.fround));
  });

  it('returns rm_scores unchanged when the batch has them', async () => {
    const batch = rolloutBatch(tok, [{ prompt: 'Q', response: 'a', dataSource: 'x', groundTruth: '' }], 2, 3).withTensor(
      'rm_scores',
      new Tensor(Float32Array.from([0, 2, 0]), [1, 3]),
    );
    const out = await createRewardManager('naive', { tokenizer: tok, numExamine: 0 }).compute(batch);
    expect(Array.from(out.rewardTensor.data)).toEqual([0, 2, 0]);
  });
});

describe('digit completion through the naive manager (dense, character tokenizer)', () => {
  it("matches verl's arithmetic-sequence reward: 1/(len+1) per matching character, the EOS token gets the last value", async () => {
    const arith = new CharTokenizer();
    const batch = rolloutBatch(
      arith,
      [
        { prompt: '9,10:20,2S', response: '11,12E', dataSource: 'digit_completion', groundTruth: '11,12' },
        { prompt: '3,5:9,4S', response: '7,0,3,4E', dataSource: 'digit_completion', groundTruth: '7,0,2,4' },
        { prompt: '7,8:20,0S', response: 'E', dataSource: 'digit_completion', groundTruth: '' },
      ],
      12,
      10,
    );
    const out = await createRewardManager('naive', { tokenizer: arith, numExamine: 0 }).compute(batch);
    const p6 = Math.fround(1 / 6);
    const p8 = Math.fround(1 / 8);
    expect(Array.from(out.rewardTensor.row(0))).toEqual([p6, p6, p6, p6, p6, p6, 0, 0, 0, 0]);
    expect(Array.from(out.rewardTensor.row(1))).toEqual([p8, p8, p8, p8, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(out.rewardTensor.row(2))).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });
});

describe('dapo reward manager', () => {
  it('computes the overlong penalty min(−(L − (max − len))/len · factor, 0)', () => {
    expect(overlongPenalty(10, 20, 4, 1.0)).toBe(0);
    expect(overlongPenalty(18, 20, 4, 1.0)).toBe(-0.5);
    expect(overlongPenalty(20, 20, 4, 2.0)).toBe(-2);
  });

  it('strips a trailing EOS string, records acc for scalars, adds and logs the penalty', async () => {
    const seen: string[] = [];
    // A tokenizer whose decode keeps the EOS character, to show the manager strips it.
    const keepEos = new CharTokenizer(ASCII);
    keepEos.decode = (ids: ArrayLike<number>) => Array.from(ids, (i) => (i === 1 ? 'E' : CharTokenizer.prototype.decode.call(keepEos, [i]))).join('');
    const batch = rolloutBatch(keepEos, [{ prompt: 'Q', response: 'xxxxxxE', dataSource: 'x', groundTruth: '' }], 2, 8);
    const m = createRewardManager('dapo', {
      tokenizer: keepEos,
      numExamine: 0,
      computeScore: fn('f', (_d: string, s: string) => (seen.push(s), 1)),
      maxResponseLength: 8,
      overlongBuffer: { enable: true, len: 4, penaltyFactor: 1, log: true },
    });
    const out = await m.compute(batch);
    expect(seen).toEqual(['xxxxxx']);
    // L = 7, expected = 4, exceed = 3 → penalty −0.75 on token 6
    expect(out.rewardTensor.row(0)[6]).toBe(0.25);
    expect(out.rewardExtraInfo).toEqual({ acc: [1], overlong_reward: [-0.75], overlong: [true] });
  });

  it('checks the overlong settings', () => {
    expect(() =>
      createRewardManager('dapo', { tokenizer: tok, numExamine: 0, maxResponseLength: 2, overlongBuffer: { enable: true, len: 4, penaltyFactor: 1, log: false } }),
    ).toThrow('data.max_response_length (2) must be at least reward_model.overlong_buffer.len (4)');
  });
});

describe('batch reward manager', () => {
  it('calls the function once with lists and reward_kwargs', async () => {
    const calls: unknown[][] = [];
    const batch = rolloutBatch(
      tok,
      [
        { prompt: 'Q', response: 'a', dataSource: 'x', groundTruth: '1' },
        { prompt: 'Q', response: 'bb', dataSource: 'y', groundTruth: '2' },
      ],
      2,
      4,
    );
    const m = createRewardManager('batch', {
      tokenizer: tok,
      numExamine: 0,
      rewardKwargs: { k: 1, ground_truths: 'ignored?' },
      computeScore: fn('f', (...a: unknown[]) => (calls.push(a), [0.5, { score: 2, tag: 't' }]), { j: 2 }),
    });
    const out = await m.compute(batch);
    expect(calls.length).toBe(1);
    expect(calls[0].slice(0, 2)).toEqual([['x', 'y'], ['a', 'bb']]);
    // reward kwargs override the call's own arguments, as in verl
    expect(calls[0][2]).toBe('ignored?');
    expect(calls[0][4]).toEqual({ k: 1, j: 2 });
    expect(Array.from(out.rewardTensor.row(0))).toEqual([0.5, 0, 0, 0]);
    expect(Array.from(out.rewardTensor.row(1))).toEqual([0, 2, 0, 0]);
    expect(out.rewardExtraInfo).toEqual({ score: [null, 2], tag: [null, 't'] });
  });

  it('needs a custom function and one result per sample', async () => {
    expect(() => createRewardManager('batch', { tokenizer: tok, numExamine: 0 })).toThrow(/reward_model.reward_manager=batch calls one function for the whole batch/);
    const batch = rolloutBatch(tok, [{ prompt: 'Q', response: 'a', dataSource: 'x', groundTruth: '1' }], 2, 2);
    const m = createRewardManager('batch', { tokenizer: tok, numExamine: 0, computeScore: fn("g from 'r.ts'", () => [1, 2]) });
    await expect(m.compute(batch)).rejects.toThrow(
      "reward function g from 'r.ts' returned 2 results; expected one result per sample (1) (a batch of 1 samples). Set custom_reward_function.on_error=zero to score such samples 0 instead.",
    );
  });
});

describe('prime reward manager', () => {
  it('scores async functions in parallel up to the concurrency limit', async () => {
    let inFlight = 0;
    let peak = 0;
    const slow = async (_d: string, s: string) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return s.length;
    };
    const items = Array.from({ length: 9 }, (_x, i) => ({ prompt: 'Q', response: 'a'.repeat(i + 1), dataSource: 'x', groundTruth: '' }));
    const out = await createRewardManager('prime', { tokenizer: tok, numExamine: 0, maxConcurrency: 3, computeScore: fn('f', slow) }).compute(rolloutBatch(tok, items, 2, 10));
    expect(peak).toBe(3);
    expect(Array.from(out.sequenceScores)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

describe('failures', () => {
  const batch = rolloutBatch(
    tok,
    [
      { prompt: 'Q', response: 'ok', dataSource: 'x', groundTruth: '' },
      { prompt: 'Q', response: 'bad', dataSource: 'y', groundTruth: '' },
    ],
    2,
    4,
  );
  const flaky = (_d: string, s: string) => (s === 'bad' ? NaN : 1);

  it('names the sample, its data_source and the function', async () => {
    const m = createRewardManager('naive', { tokenizer: tok, numExamine: 0, computeScore: fn("compute_score from 'r.ts'", flaky) });
    await expect(m.compute(batch)).rejects.toThrow(
      "reward function compute_score from 'r.ts' returned NaN; expected a finite number, a boolean, {score, ...} or an array of finite numbers (one per response token) (sample 1, data_source 'y'). Set custom_reward_function.on_error=zero to score such samples 0 instead.",
    );
    const thrower = fn("compute_score from 'r.ts'", () => {
      throw new Error('boom');
    });
    await expect(createRewardManager('naive', { tokenizer: tok, numExamine: 0, computeScore: thrower }).compute(batch)).rejects.toThrow(
      "reward function compute_score from 'r.ts' threw: boom (sample 0, data_source 'x').",
    );
  });

  it('scores 0 and counts with on_error=zero', async () => {
    const m = createRewardManager('naive', { tokenizer: tok, numExamine: 0, computeScore: fn('f', flaky), policy: { onError: 'zero', timeoutS: null } });
    const out = await m.compute(batch);
    expect(Array.from(out.sequenceScores)).toEqual([1, 0]);
    expect(Array.from(out.rewardTensor.row(1))).toEqual([0, 0, 0, 0]);
    expect(out.metrics).toEqual({ 'reward/score_failures': 1 });
  });

  it('times out async calls', async () => {
    const never = fn('f', () => new Promise(() => {}));
    const m = createRewardManager('prime', { tokenizer: tok, numExamine: 0, computeScore: never, policy: { onError: 'raise', timeoutS: 0.02 } });
    await expect(m.compute(batch)).rejects.toThrow("reward function f did not finish within custom_reward_function.timeout_s=0.02 s (sample 0, data_source 'x').");
  });

  it('names an unknown data_source even with on_error=zero', async () => {
    const m = createRewardManager('naive', { tokenizer: tok, numExamine: 0, policy: { onError: 'zero', timeoutS: null } });
    await expect(m.compute(batch)).rejects.toThrow("Reward function is not implemented for data_source='x'.");
  });
});

describe('registry', () => {
  it('names an unknown manager and refuses a second factory under a taken name', () => {
    expect(() => createRewardManager('dapoo', { tokenizer: tok, numExamine: 0 })).toThrow(
      "Unknown reward manager: dapoo (reward_model.reward_manager). Known: naive, batch, dapo, prime. Did you mean 'dapo'?",
    );
    expect(() => registerRewardManager('naive', () => ({ name: 'x', compute: async () => ({}) as never }))).toThrow('Reward manager naive has already been registered');
  });
});
