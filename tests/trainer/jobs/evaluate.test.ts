import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluationConfigFromSection, passAtK, runEvaluation } from '../../../src/trainer/jobs/evaluate.js';
import { evaluationConfig } from '../../support/composed-config.js';
import { writeParquet } from '../../../src/data/io/parquet-write.js';
import { makeTempDir } from '../../support/temp-dir.js';

const rows = [
  { data_source: 'openai/gsm8k', reward_model: { ground_truth: '4' }, responses: ['#### 4', '#### 5', 'x', '#### 4'] },
  { data_source: 'openai/gsm8k', reward_model: { ground_truth: '7' }, responses: ['#### 1', '#### 2', '#### 3', '#### 7'] },
  { data_source: 'math_dapo', reward_model: { ground_truth: '2' }, responses: ['Answer: 2', 'Answer: 3'] },
];

function baseConfig(dir: string, overrides: string[] = []) {
  return evaluationConfigFromSection(
    evaluationConfig([`data.path='${join(dir, 'gen.parquet')}'`, `data.output_path='${join(dir, 'scores.jsonl')}'`, ...overrides]),
  );
}

describe('pass@k', () => {
  it('is the unbiased estimator 1 − C(n−c, k)/C(n, k)', () => {
    expect(passAtK(4, 2, 1)).toBeCloseTo(0.5, 12);
    expect(passAtK(4, 2, 2)).toBeCloseTo(1 - 1 / 6, 12);
    expect(passAtK(4, 1, 4)).toBe(1);
    expect(passAtK(4, 0, 4)).toBe(0);
  });
});

describe('runEvaluation', () => {
  it('reports test_score and pass@k per data_source and writes scores per row in order', async () => {
    const dir = makeTempDir('verl-ts-eval-');
    await writeParquet(join(dir, 'gen.parquet'), rows);
    const lines: string[] = [];
    const s = await runEvaluation(baseConfig(dir), { log: (l) => lines.push(l), cwd: dir });
    // gsm8k rows: means 0.5 and 0.25 → 0.375; math_dapo: (1 − 1)/2 = 0
    expect(s.metrics['test_score/openai/gsm8k']).toBeCloseTo(0.375, 12);
    expect(s.metrics['test_score/math_dapo']).toBe(0);
    // pass@1 = mean(c/n) = (2/4 + 1/4)/2; pass@2 = ((1 − 1/6) + (1 − 3/6))/2; pass@4 = 1
    expect(s.metrics['pass@1/openai/gsm8k']).toBeCloseTo(0.375, 12);
    expect(s.metrics['pass@2/openai/gsm8k']).toBeCloseTo((5 / 6 + 0.5) / 2, 12);
    expect(s.metrics['pass@4/openai/gsm8k']).toBe(1);
    expect(s.metrics['pass@2/math_dapo']).toBe(1);
    expect(s.perDataSource['openai/gsm8k'].rows).toBe(2);
    expect(readFileSync(join(dir, 'scores.jsonl'), 'utf8')).toBe('{"scores":[1,0,0,1]}\n{"scores":[0,0,0,1]}\n{"scores":[1,-1]}\n');
    expect(lines).toContain('test_score/openai/gsm8k: 0.375');
    expect(s.responses).toBe(10);
  });

  it('uses a custom reward function and counts failures with on_error=zero', async () => {
    const dir = makeTempDir('verl-ts-eval-');
    await writeParquet(join(dir, 'gen.parquet'), rows);
    writeFileSync(join(dir, 'r.mjs'), 'export function compute_score(ds, sol, gt) { if (sol === "x") throw new Error("no"); return sol.endsWith(gt) ? 1 : 0; }\n');
    const cfg = baseConfig(dir, ['custom_reward_function.path=r.mjs', 'custom_reward_function.on_error=zero']);
    const s = await runEvaluation(cfg, { log: () => {}, cwd: dir });
    expect(s.failures).toBe(1);
    expect(s.metrics['test_score/math_dapo']).toBe(0.5);
  });

  it('names a missing column and suggests the closest', async () => {
    const dir = makeTempDir('verl-ts-eval-');
    await writeParquet(join(dir, 'gen.parquet'), rows.map(({ responses, ...r }) => ({ ...r, response: responses })));
    await expect(runEvaluation(baseConfig(dir), { log: () => {}, cwd: dir })).rejects.toThrow(
      `'${join(dir, 'gen.parquet')}' has no column 'responses' (data.response_key). Columns: data_source, reward_model, response. Did you mean 'response'?`,
    );
  });
});

describe('config/evaluation.yaml', () => {
  it("has verl's keys and defaults", () => {
    const cfg = evaluationConfigFromSection(evaluationConfig());
    expect(cfg.data).toEqual({
      path: ['/tmp/math_Qwen2-7B-Instruct.parquet'],
      responseKey: 'responses',
      dataSourceKey: 'data_source',
      rewardModelKey: 'reward_model',
      outputPath: null,
    });
    expect(cfg.customRewardFunction).toEqual({ path: null, name: 'compute_score', rewardKwargs: {}, onError: 'raise', timeoutS: null });
  });
});
