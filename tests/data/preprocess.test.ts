import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { bufferIO } from '../../src/cli/io.js';
import { readTable } from '../../src/data/io/read-rows.js';
import { writeParquet } from '../../src/data/io/parquet-write.js';
import { runPreprocessor } from '../../src/data/preprocess/registry.js';
import { allDigitPrompts, splitLengths } from '../../src/data/preprocess/digit-completion.js';
import { countdownScore } from '../../src/reward/scorers/countdown.js';
import { digitCompletionAnswer } from '../../src/tasks/digit-completion.js';
import { makeTempDir } from '../support/temp-dir.js';

const tmp = () => makeTempDir('verl-ts-pp-');
const ctx = (cwd: string) => ({ cwd, log: () => {} });
const INSTR = 'Let\'s think step by step and output the final answer after "####".';

describe('gsm8k', () => {
  it("writes verl's schema from GSM8K jsonl (train/test files found by name)", async () => {
    const dir = tmp();
    mkdirSync(join(dir, 'raw', 'main'), { recursive: true });
    writeFileSync(join(dir, 'raw', 'main', 'train.jsonl'), JSON.stringify({ question: 'Q1?', answer: 'so 1,000\n#### 1,000' }) + '\n');
    await writeParquet(join(dir, 'raw', 'main', 'test-00000-of-00001.parquet'), [{ question: 'Q2?', answer: '#### -3.5' }, { question: 'Q3', answer: 'x #### 7 #### 8' }]);
    const io = bufferIO({ cwd: dir });
    expect(await runCli(['data', 'gsm8k', '--local_dataset_path', 'raw', '--local_save_dir', 'out'], io)).toBe(0);
    const train = await readTable(join(dir, 'out', 'train.parquet'));
    expect(train.columns).toEqual(['data_source', 'prompt', 'ability', 'reward_model', 'extra_info']);
    expect(train.rows).toEqual([
      {
        data_source: 'openai/gsm8k',
        prompt: [{ role: 'user', content: `Q1? ${INSTR}` }],
        ability: 'math',
        reward_model: { style: 'rule', ground_truth: '1000' },
        extra_info: { split: 'train', index: 0, answer: 'so 1,000\n#### 1,000', question: 'Q1?' },
      },
    ]);
    const test = await readTable(join(dir, 'out', 'test.parquet'));
    expect(test.rows.map((r) => (r.reward_model as { ground_truth: string }).ground_truth)).toEqual(['-3.5', '7']);
    expect(test.rows.map((r) => (r.extra_info as { index: number }).index)).toEqual([0, 1]);
    expect(io.out()).toContain(`wrote 2 rows to ${join(dir, 'out', 'test.parquet')}`);
  });

  it('names the row without a final answer and a missing split', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'train.jsonl'), JSON.stringify({ question: 'Q', answer: 'no marker' }) + '\n');
    writeFileSync(join(dir, 'test.jsonl'), JSON.stringify({ question: 'Q', answer: '#### 1' }) + '\n');
    await expect(runPreprocessor('gsm8k', { local_dataset_path: dir }, join(dir, 'o'), ctx(dir))).rejects.toThrow(
      `row 0 of '${join(dir, 'train.jsonl')}': the answer has no '#### <number>' final answer: "no marker"`,
    );
    const only = tmp();
    writeFileSync(join(only, 'train.jsonl'), JSON.stringify({ question: 'Q', answer: '#### 1' }) + '\n');
    await expect(runPreprocessor('gsm8k', { local_dataset_path: only }, join(only, 'o'), ctx(only))).rejects.toThrow(
      `--local_dataset_path: no test file under '${only}' (looked for .parquet/.jsonl/.json files whose names start with 'test'; found train.jsonl)`,
    );
  });
});

describe('math', () => {
  it('keeps level and type first and extracts the last boxed answer', async () => {
    const dir = tmp();
    const raw = { problem: 'P?', level: 'Level 2', type: 'Algebra', solution: 'so \\boxed{1} or \\boxed{\\frac{1}{2}}' };
    writeFileSync(join(dir, 'train.jsonl'), JSON.stringify(raw) + '\n');
    writeFileSync(join(dir, 'test.jsonl'), JSON.stringify({ ...raw, solution: 'none' }) + '\n');
    await expect(runPreprocessor('math', { input: dir, local_dataset_path: dir }, join(dir, 'o'), ctx(dir))).rejects.toThrow(
      `row 0 of '${join(dir, 'test.jsonl')}': the solution has no \\boxed{…} answer: "none"`,
    );
    writeFileSync(join(dir, 'test.jsonl'), JSON.stringify(raw) + '\n');
    await runPreprocessor('math', { local_dataset_path: dir }, join(dir, 'o'), ctx(dir));
    const t = await readTable(join(dir, 'o', 'train.parquet'));
    expect(t.columns).toEqual(['level', 'type', 'data_source', 'prompt', 'ability', 'reward_model', 'extra_info']);
    expect(t.rows[0].reward_model).toEqual({ style: 'rule', ground_truth: '\\frac{1}{2}' });
    expect(t.rows[0].prompt).toEqual([{ role: 'user', content: "P? Let's think step by step and output the final answer within \\boxed{}." }]);
  });
});

describe('countdown', () => {
  it('generates solvable puzzles reproducibly from a seed', async () => {
    const dir = tmp();
    const args = { train_size: '40', test_size: '5', seed: '3', num_operands: '3', template_type: 'qwen-instruct' };
    await runPreprocessor('countdown', args, join(dir, 'a'), ctx(dir));
    await runPreprocessor('countdown', args, join(dir, 'b'), ctx(dir));
    const a = await readTable(join(dir, 'a', 'train.parquet'));
    const b = await readTable(join(dir, 'b', 'train.parquet'));
    expect(a.rows).toEqual(b.rows);
    expect(a.rows.length).toBe(40);
    for (const r of a.rows) {
      const gt = (r.reward_model as { ground_truth: { target: number; numbers: number[] } }).ground_truth;
      expect(gt.numbers.length).toBe(3);
      expect(gt.target).toBeGreaterThanOrEqual(1);
      expect(gt.target).toBeLessThanOrEqual(1000);
      expect(solve(gt.numbers, gt.target)).not.toBeNull();
      const eq = solve(gt.numbers, gt.target) as string;
      expect(countdownScore(`<answer>${eq}</answer>`, gt)).toBe(1);
    }
    expect((a.rows[0].prompt as Array<{ content: string }>)[0].content).toMatch(/^<\|im_start\|>system\nYou are a helpful assistant\./);
  });
});

/** Brute force: an expression over all numbers (each once) equal to target, or null. */
function solve(nums: number[], target: number): string | null {
  const go = (items: Array<[number, string]>): string | null => {
    if (items.length === 1) return Math.abs(items[0][0] - target) < 1e-9 ? items[0][1] : null;
    for (let i = 0; i < items.length; i++) {
      for (let j = 0; j < items.length; j++) {
        if (i === j) continue;
        const rest = items.filter((_x, k) => k !== i && k !== j);
        const [a, ea] = items[i];
        const [b, eb] = items[j];
        const cands: Array<[number, string]> = [[a + b, `(${ea} + ${eb})`], [a - b, `(${ea} - ${eb})`], [a * b, `(${ea} * ${eb})`]];
        if (b !== 0) cands.push([a / b, `(${ea} / ${eb})`]);
        for (const c of cands) {
          const r = go([...rest, c]);
          if (r) return r;
        }
      }
    }
    return null;
  };
  return go(nums.map((n) => [n, String(n)]));
}

describe('digit_completion', () => {
  it('splits every prompt 800/200 like torch random_split and stores the answers', async () => {
    const dir = tmp();
    const io = bufferIO({ cwd: dir });
    expect(await runCli(['data', 'digit_completion', '--output-dir', 'arith'], io)).toBe(0);
    const train = await readTable(join(dir, 'arith', 'train.parquet'));
    const test = await readTable(join(dir, 'arith', 'test.parquet'));
    expect([train.rows.length, test.rows.length]).toEqual([800, 200]);
    const prompts = [...train.rows, ...test.rows].map((r) => (r.prompt as Array<{ content: string }>)[0].content);
    expect(new Set(prompts)).toEqual(new Set(allDigitPrompts(9, 9, 9)));
    for (const r of train.rows.slice(0, 20)) {
      const p = (r.prompt as Array<{ content: string }>)[0].content;
      expect((r.reward_model as { ground_truth: string }).ground_truth).toBe(digitCompletionAnswer(p));
    }
    expect(digitCompletionAnswer('8,3:9,4')).toBe('7,2,6,1');
    expect(splitLengths(999, 0.8)).toEqual([800, 199]);
  });

  it('rejects flags of other tasks and unknown tasks', async () => {
    const io = bufferIO();
    expect(await runCli(['data', 'digit_completion', '--max_target', '3'], io)).toBe(2);
    expect(io.err()).toBe(
      "--max_target does not apply to 'digit_completion' (its flags: --max_number, --max_diff, --max_num_in_response, --train_ratio, --seed, --format, --local_save_dir)\n",
    );
    const ioFormat = bufferIO();
    expect(await runCli(['data', 'digit_completion', '--format', 'dpo'], ioFormat)).toBe(2);
    expect(ioFormat.err()).toBe("--format: expected one of rl, sft, got 'dpo'\n");
    const io2 = bufferIO();
    expect(await runCli(['data', 'gms8k'], io2)).toBe(2);
    expect(io2.err()).toBe("unknown data task 'gms8k'. Tasks: gsm8k, math, countdown, digit_completion. Did you mean 'gsm8k'?\n");
    const io3 = bufferIO();
    expect(await runCli(['data', 'digit_completion', '--max_number', 'x'], io3)).toBe(2);
    expect(io3.err()).toBe("--max_number: expected an integer, got 'x'\n");
  });
});
