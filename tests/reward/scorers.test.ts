import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultComputeScore, knownDataSources } from '../../src/reward/default-score.js';
import { gsm8kScore } from '../../src/reward/scorers/gsm8k.js';
import { mathScore, stripString } from '../../src/reward/scorers/math.js';
import { mathDapoScore, normalizeFinalAnswer } from '../../src/reward/scorers/math-dapo.js';
import { countdownScore, extractCountdownEquation } from '../../src/reward/scorers/countdown.js';
import { evalPythonArithmetic } from '../../src/reward/scorers/python-arith.js';
import { digitCompletionScore } from '../../src/reward/scorers/digit-completion.js';

interface Case {
  scorer: string;
  data_source?: string;
  params?: Record<string, unknown>;
  solution_str?: string;
  ground_truth?: unknown;
  score?: number;
  extra?: { acc: boolean; pred: string | null };
  input?: string;
  output?: string | null;
  dense?: number[];
  eos_value?: number;
}

function load(path: string): Case[] {
  return (JSON.parse(readFileSync(path, 'utf8')) as { cases: Case[] }).cases;
}

/** Run one verl-produced case through our scorer; the returned pair must be equal. */
function check(c: Case): [unknown, unknown] {
  const p = c.params ?? {};
  switch (c.scorer) {
    case 'gsm8k':
      return [
        gsm8kScore(c.solution_str as string, c.ground_truth as string, { method: p.method as 'strict', formatScore: p.format_score as number, score: p.score as number }),
        c.score,
      ];
    case 'math':
      return [mathScore(c.solution_str as string, c.ground_truth as string), c.score];
    case 'math_strip_string': {
      let out: string | null;
      try {
        out = stripString(c.input as string);
      } catch {
        out = null;
      }
      return [out, c.output];
    }
    case 'math_dapo':
    case 'math_dapo_strict': {
      const r = mathDapoScore(c.solution_str as string, c.ground_truth as string, { strictBoxVerify: p.strict_box_verify === true });
      return [{ score: r.score, acc: r.acc, pred: r.pred }, { score: c.score, ...c.extra }];
    }
    case 'math_dapo_normalize':
      return [normalizeFinalAnswer(c.input as string), c.output];
    case 'countdown':
      return [countdownScore(c.solution_str as string, c.ground_truth), c.score];
    case 'digit_completion':
      return [digitCompletionScore(c.solution_str as string, c.ground_truth as string), [...(c.dense as number[]), c.eos_value]];
    default:
      throw new Error(`unknown scorer kind '${c.scorer}' in the fixture: add it to this test`);
  }
}

describe("verl's own scorer outputs", () => {
  const main = load('tests/fixtures/verl-reward-scores.json');
  it(`matches every case of verl-reward-scores.json (${main.length})`, () => {
    const bad = main.map((c) => ({ c, r: check(c) })).filter(({ r }) => JSON.stringify(r[0]) !== JSON.stringify(r[1]));
    expect(bad.map(({ c, r }) => ({ case: c, got: r[0] }))).toEqual([]);
  });

  it('dispatches every case of verl-reward-scores.json by data_source', () => {
    for (const c of main) {
      if (c.scorer === 'gsm8k' && c.params?.method !== 'strict') continue; // default_compute_score uses strict
      const got = defaultComputeScore(c.data_source as string, c.solution_str as string, c.ground_truth);
      expect(typeof got === 'object' ? (got as { score: number }).score : got).toBe(c.score);
    }
  });

  const extra = load('tests/fixtures/data/verl-scorer-extra.json');
  it(`matches every case of verl-scorer-extra.json (${extra.length})`, () => {
    const bad = extra.map((c) => ({ c, r: check(c) })).filter(({ r }) => JSON.stringify(r[0]) !== JSON.stringify(r[1]));
    expect(bad.slice(0, 10).map(({ c, r }) => ({ case: c, got: r[0] }))).toEqual([]);
  });
});

describe('default_compute_score', () => {
  it('routes aime* to math_dapo and *countdown* to countdown', () => {
    expect(defaultComputeScore('aime2024', 'Answer: 3', '3')).toEqual({ score: 1, acc: true, pred: '3' });
    expect(defaultComputeScore('my_countdown_v2', '<answer>1+2</answer>', { target: 3, numbers: [1, 2] })).toBe(1);
  });

  it('names an unknown data_source and the known ones', () => {
    expect(() => defaultComputeScore('openai/gsm9k', 'x', '1')).toThrow(
      `Reward function is not implemented for data_source='openai/gsm9k'. Known data sources: ${knownDataSources().join(', ')}. Did you mean 'openai/gsm8k'? To score other data, set custom_reward_function.path to your own compute_score.`,
    );
    expect(knownDataSources()).toContain('aime*');
  });
});

describe('countdown details', () => {
  it("evaluates with Python's arithmetic", () => {
    expect(evalPythonArithmetic('7 // 2')).toBe(3);
    expect(evalPythonArithmetic('-7 // 2')).toBe(-4);
    expect(evalPythonArithmetic('2 ** -1')).toBe(0.5);
    expect(evalPythonArithmetic('2 ** 3 ** 2')).toBe(512);
    expect(evalPythonArithmetic('-2 ** 2')).toBe(-4);
    expect(evalPythonArithmetic('012')).toBeNull();
    expect(evalPythonArithmetic('00 + 1.')).toBe(1);
    expect(evalPythonArithmetic('1 / 0')).toBeNull();
    expect(evalPythonArithmetic('(1 + 2')).toBeNull();
    expect(evalPythonArithmetic('9 ** 9 ** 9')).toBeNull();
  });

  it('reads the last <answer> on the last line, after an Assistant marker when there is one', () => {
    expect(extractCountdownEquation('User: <answer>1</answer>\nAssistant: x <answer> 2+2 </answer>')).toBe('2+2');
    // verl's port returns None without a marker; verl-ts scores the response itself (documented difference).
    expect(extractCountdownEquation('<answer>(1+2)*3</answer>')).toBe('(1+2)*3');
    expect(countdownScore('think...\n<answer>(1+2)*3</answer>', { target: 9, numbers: [3, 2, 1] })).toBe(1);
    expect(countdownScore('<answer>(1+2)*3</answer>\nbye', { target: 9, numbers: [3, 2, 1] })).toBe(0);
  });
});
