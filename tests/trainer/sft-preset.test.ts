// The shipped warm start (examples/digit_completion/sft_model) is what `verl-ts sft --config-name
// digit_completion_sft` produces: rerunning the preset gives the same bf16 weights, bit for bit. Measured on the
// development machine: identical bytes with 1 and 2 ORT threads and with or without validation (validation does not
// touch the weights, so it is off here to keep the test short). A CPU whose ONNX Runtime kernels round differently
// would fail this test; the message then names the largest weight difference.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultConfigDir } from '../../src/cli/config-args.js';
import { registryNames } from '../../src/cli/registry-names.js';
import { checkSftConfig } from '../../src/config/schema/sft-checks.js';
import { sftTrainerSchema } from '../../src/config/schema/sft-trainer.js';
import { loadConfig } from '../../src/config/validate-config.js';
import { readTable } from '../../src/data/io/read-rows.js';
import { loadModelDir } from '../../src/models/checkpoint/load.js';
import { digitCompletionAnswer } from '../../src/tasks/digit-completion.js';
import { runSft } from '../../src/trainer/sft/trainer.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const SHIPPED = join(ROOT, 'examples/digit_completion/sft_model');
const out = mkdtempSync(join(tmpdir(), 'sft-preset-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('the digit_completion SFT warm start', () => {
  it('trains on the RL train prompts with their answers, and validates on the test prompts', async () => {
    for (const split of ['train', 'test']) {
      const rl = (await readTable(join(ROOT, `examples/digit_completion/data/${split}.parquet`))).rows;
      const sft = (await readTable(join(ROOT, `examples/digit_completion/data/sft_${split}.parquet`))).rows;
      expect(sft.map((r) => r.prompt)).toEqual(rl.map((r) => (r.prompt as Array<{ content: string }>)[0].content));
      expect(sft.map((r) => r.response)).toEqual(rl.map((r) => (r.reward_model as { ground_truth: string }).ground_truth));
      expect(sft.every((r) => r.response === digitCompletionAnswer(r.prompt as string))).toBe(true);
    }
  });


  it('rerunning config/digit_completion_sft.yaml reproduces examples/digit_completion/sft_model bit for bit', async () => {
    const { config } = await loadConfig(
      sftTrainerSchema,
      { configDir: defaultConfigDir(), configName: 'digit_completion_sft', overrides: ['data.val_files=null', `trainer.default_local_dir=${out}`], env: {}, cwd: ROOT, registryNames },
      { checks: checkSftConfig },
    );
    const result = await runSft(config, { cwd: ROOT, log: () => undefined, metrics: () => undefined });
    expect(result.steps).toBe(125);
    expect(result.modelDir).toBe(join(out, 'global_step_125', 'actor'));
    for (const file of ['config.json', 'generation_config.json', 'tokenizer_config.json']) {
      expect(readFileSync(join(result.modelDir, file), 'utf8'), file).toBe(readFileSync(join(SHIPPED, file), 'utf8'));
    }
    const rerun = loadModelDir(result.modelDir).weights;
    const shipped = loadModelDir(SHIPPED).weights;
    expect([...rerun.keys()]).toEqual([...shipped.keys()]);
    let worst = { name: '', diff: 0 };
    for (const [name, w] of shipped) {
      const other = rerun.get(name)?.data ?? new Float32Array();
      for (let i = 0; i < w.data.length; i++) {
        const diff = Math.abs(w.data[i] - other[i]);
        if (diff > worst.diff) worst = { name, diff };
      }
    }
    expect(worst, 'largest weight difference from the shipped checkpoint').toEqual({ name: '', diff: 0 });
    expect(readFileSync(join(result.modelDir, 'model.safetensors')).equals(readFileSync(join(SHIPPED, 'model.safetensors')))).toBe(true);
  });
});
