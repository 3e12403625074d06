// `verl-ts eval` end to end through runCli: config/evaluation.yaml composed with command-line overrides,
// a generations file scored, the report printed, data.output_path written, and user errors reported.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { makeTempDir } from '../support/temp-dir.js';

let work: string;

const rows = [
  { data_source: 'openai/gsm8k', reward_model: { ground_truth: '4' }, responses: ['#### 4', '#### 5', 'x', '#### 4'] },
  { data_source: 'openai/gsm8k', reward_model: { ground_truth: '7' }, responses: ['#### 1', '#### 2', '#### 3', '#### 7'] },
  { data_source: 'math_dapo', reward_model: { ground_truth: '2' }, responses: ['Answer: 2', 'Answer: 3'] },
];

beforeAll(() => {
  work = makeTempDir('verl-ts-eval-cli-');
  writeFileSync(join(work, 'gen.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
});

async function evalCli(args: string[]) {
  const io = bufferIO({ cwd: work, env: {} });
  const code = await runCli(['eval', ...args], io);
  return { code, out: io.out(), err: io.err() };
}

describe('verl-ts eval', () => {
  it('prints test_score and pass@k per data source and writes one scores line per row to data.output_path', async () => {
    const r = await evalCli(['data.path=gen.jsonl', 'data.output_path=out/scores.jsonl']);
    // gsm8k (strict "#### N"): rows score [1,0,0,1] and [0,0,0,1] → mean 3/8; c = 2 and 1 of n = 4, so
    // pass@1 = (2/4 + 1/4)/2, pass@2 = ((1 − C(2,2)/C(4,2)) + (1 − C(3,2)/C(4,2)))/2 = (5/6 + 1/2)/2.
    // math_dapo scores ±1 with acc: [1, −1] → mean 0, pass@1 = 1/2, pass@2 = 1.
    expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
    const lines = r.out.split('\n');
    expect(lines.at(-1)).toBe('');
    // The closing line also reports the elapsed time, which is not checked.
    expect(lines.at(-2)).toMatch(/^scored 10 responses in .+; scores written to (.+)$/);
    expect(lines.at(-2)?.endsWith(`; scores written to ${join(work, 'out/scores.jsonl')}`)).toBe(true);
    const printed = Object.fromEntries(lines.slice(0, -2).map((line) => {
      const [name, value] = line.split(': ');
      return [name, Number(value)];
    }));
    const expected: Record<string, number> = {
      'pass@1/math_dapo': 0.5,
      'pass@1/openai/gsm8k': 0.375,
      'pass@2/math_dapo': 1,
      'pass@2/openai/gsm8k': (5 / 6 + 1 / 2) / 2,
      'pass@4/openai/gsm8k': 1,
      'test_score/math_dapo': 0,
      'test_score/openai/gsm8k': 0.375,
    };
    expect(Object.keys(printed)).toEqual(Object.keys(expected));
    for (const [name, value] of Object.entries(expected)) expect(printed[name], name).toBeCloseTo(value, 12);
    expect(readFileSync(join(work, 'out/scores.jsonl'), 'utf8')).toBe('{"scores":[1,0,0,1]}\n{"scores":[0,0,0,1]}\n{"scores":[1,-1]}\n');
  });

  it('writes no scores file when data.output_path is null (the default)', async () => {
    const r = await evalCli(['data.path=gen.jsonl']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('test_score/openai/gsm8k: 0.375\n');
    expect(r.out).not.toContain('scores written');
  });

  it('scores with a custom reward function, and pass_threshold decides which scores pass', async () => {
    // Half credit for any response that ends with the ground truth: no response reaches the default threshold 1.
    writeFileSync(join(work, 'half.mjs'), 'export function half(ds, sol, gt) { return sol.endsWith(String(gt)) ? 0.5 : 0; }\n');
    const base = ['data.path=gen.jsonl', 'custom_reward_function.path=half.mjs', 'custom_reward_function.name=half'];
    const strict = await evalCli(base);
    expect(strict.code).toBe(0);
    expect(strict.out).toContain('test_score/openai/gsm8k: 0.1875\n');
    expect(strict.out).toContain('pass@4/openai/gsm8k: 0\n');
    const lenient = await evalCli([...base, 'pass_threshold=0.5']);
    expect(lenient.out).toContain('test_score/openai/gsm8k: 0.1875\n');
    expect(lenient.out).toContain('pass@1/openai/gsm8k: 0.375\n');
    expect(lenient.out).toContain('pass@1/math_dapo: 0.5\n');
  });

  it('counts failing reward calls with on_error=zero and names the row with on_error=raise', async () => {
    writeFileSync(join(work, 'picky.mjs'), 'export function compute_score(ds, sol) { if (sol === "x") throw new Error("cannot score x"); return 1; }\n');
    const zero = await evalCli(['data.path=gen.jsonl', 'custom_reward_function.path=picky.mjs', 'custom_reward_function.on_error=zero']);
    expect(zero.code).toBe(0);
    expect(zero.out).toContain('reward function failures scored 0: 1\n');
    expect(zero.out).toContain('test_score/openai/gsm8k: 0.875\n');
    const raise = await evalCli(['data.path=gen.jsonl', 'custom_reward_function.path=picky.mjs']);
    expect(raise.code).toBe(1);
    expect(raise.out).toBe('');
    expect(raise.err).toContain('cannot score x');
  });

  it('reports user errors on stderr with an exit code, without a stack trace', async () => {
    writeFileSync(join(work, 'empty.jsonl'), '');
    const cases: Array<[string[], number, string]> = [
      [['data.path=missing.jsonl'], 1, `data.path: file not found: 'missing.jsonl' (looked at ${join(work, 'missing.jsonl')})`],
      [['data.path=empty.jsonl'], 1, "data.path: 'empty.jsonl' is empty (0 bytes)"],
      [['data.pth=gen.jsonl'], 2, "Did you mean 'data.path'?"],
      [['data.path=gen.jsonl', 'pass_threshold=high'], 2, "pass_threshold: expected a number, got 'high'"],
      [
        ['data.path=gen.jsonl', 'data.response_key=response'],
        1,
        "'gen.jsonl' has no column 'response' (data.response_key). Columns: data_source, reward_model, responses. Did you mean 'responses'?",
      ],
    ];
    for (const [args, code, message] of cases) {
      const r = await evalCli(args);
      expect({ args, code: r.code, out: r.out }).toEqual({ args, code, out: '' });
      expect(r.err).toContain(message);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
  });
});
