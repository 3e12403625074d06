// The SFT loop on the embedded tiny Llama: val/loss equals the response NLL computed through the RL scoring layout
// (left-padded prompt ‖ response, an independent path), gradient accumulation over micro-batches gives the
// full-batch update, the same seed gives the same numbers, and `verl-ts sft` runs end to end and refuses bad configs.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { defaultConfigDir } from '../../src/cli/config-args.js';
import { registryNames } from '../../src/cli/registry-names.js';
import { checkSftConfig } from '../../src/config/schema/sft-checks.js';
import { sftTrainerSchema } from '../../src/config/schema/sft-trainer.js';
import type { SftTrainerConfig } from '../../src/config/schema/sft-trainer.js';
import { loadConfig } from '../../src/config/validate-config.js';
import { Batch } from '../../src/data/batch.js';
import { readTable } from '../../src/data/io/read-rows.js';
import { leftPad } from '../../src/data/prompt.js';
import { Tensor as DataTensor } from '../../src/data/tensor.js';
import { CausalLM } from '../../src/models/compute/causal-lm.js';
import type { Tokenizer } from '../../src/models/tokenizer/types.js';
import { listCheckpoints, readTracker } from '../../src/trainer/checkpoint.js';
import { readMetricsJsonl } from '../../src/trainer/loggers/index.js';
import { SftTrainer, runSft } from '../../src/trainer/sft/trainer.js';
import type { SftMetrics } from '../../src/trainer/sft/trainer.js';
import { runChild } from './child-process.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'sft-trainer-'));
  dirs.push(dir);
  return dir;
};

async function presetConfig(overrides: string[]): Promise<SftTrainerConfig> {
  const loaded = await loadConfig(
    sftTrainerSchema,
    { configDir: defaultConfigDir(), configName: 'digit_completion_sft', overrides: [`trainer.default_local_dir=${tempDir()}`, ...overrides], env: {}, cwd: ROOT, registryNames },
    { checks: checkSftConfig },
  );
  return loaded.config;
}

const quiet = (metrics: Array<[number, SftMetrics]> = []) => ({ cwd: ROOT, log: () => undefined, metrics: (m: SftMetrics, step: number) => void metrics.push([step, m]) });

describe('SFT loop', () => {
  it('val/loss is the mean response NLL that the RL scoring layout gives for the same rows', async () => {
    const trainer = await SftTrainer.create(await presetConfig(['data.val_max_samples=16', 'data.micro_batch_size_per_gpu=16', 'data.train_batch_size=64']), quiet());
    const valLoss = await trainer.validate();
    await trainer.dispose();

    const lm = CausalLM.fromDir(join(ROOT, 'examples/digit_completion/model'), { tokenizer: 'required' });
    const tok = lm.tokenizer as Tokenizer;
    const rows = (await readTable(join(ROOT, 'examples/digit_completion/data/sft_test.parquet'))).rows.slice(0, 16);
    const prompts = rows.map((r) => tok.encode(`${String(r.prompt)}S`));
    const responses = rows.map((r) => [...tok.encode(String(r.response)), 1]);
    const P = Math.max(...prompts.map((p) => p.length));
    const R = Math.max(...responses.map((p) => p.length));
    const padded = prompts.map((p) => leftPad(p, P, 2));
    const ids = rows.map((_r, i) => [...padded[i].inputIds, ...responses[i], ...new Array<number>(R - responses[i].length).fill(2)]);
    const mask = rows.map((_r, i) => [...padded[i].attentionMask, ...responses[i].map(() => 1), ...new Array<number>(R - responses[i].length).fill(0)]);
    const batch = Batch.from({
      tensors: {
        input_ids: DataTensor.fromRows('int32', ids),
        attention_mask: DataTensor.fromRows('int32', mask),
        responses: DataTensor.fromRows('int32', ids.map((row) => row.slice(P))),
      },
    });
    const lp = (await lm.scoreTokens(batch)).logProbs.data;
    let nll = 0;
    let count = 0;
    responses.forEach((resp, i) => resp.forEach((_t, r) => ((nll -= lp[i * R + r]), count++)));
    await lm.dispose();
    expect(valLoss).not.toBeNull();
    expect(Math.abs((valLoss as number) - nll / count)).toBeLessThan(1e-5);
  });

  it('accumulating 4 micro-batches gives the full-batch update; the same seed gives the same metrics', async () => {
    const run = async (micro: number) => {
      const metrics: Array<[number, SftMetrics]> = [];
      const trainer = await SftTrainer.create(await presetConfig(['data.train_batch_size=16', `data.micro_batch_size_per_gpu=${micro}`, 'data.val_files=null', 'trainer.total_training_steps=2']), quiet(metrics));
      await trainer.fit();
      const weights = trainer.model.weights();
      await trainer.dispose();
      return { metrics, weights };
    };
    const whole = await run(16);
    const micro = await run(4);
    const again = await run(16);
    expect(again.metrics).toEqual(whole.metrics);
    expect(whole.metrics.map(([s]) => s)).toEqual([1, 2]);
    for (const [i, [, m]] of whole.metrics.entries()) {
      expect(Object.keys(m).sort()).toEqual(['train/grad_norm', 'train/loss', 'train/lr']);
      expect(micro.metrics[i][1]['train/loss']).toBeCloseTo(m['train/loss'], 5);
      expect(micro.metrics[i][1]['train/grad_norm']).toBeCloseTo(m['train/grad_norm'], 4);
    }
    let worst = 0;
    for (const [name, w] of whole.weights) {
      const other = micro.weights.get(name)?.data ?? new Float32Array();
      for (let i = 0; i < w.data.length; i++) worst = Math.max(worst, Math.abs(w.data[i] - other[i]));
    }
    // Two AdamW steps at lr 1e-3 move weights by ~2e-3; summation order changes only float32 rounding.
    expect(worst).toBeLessThan(1e-5);
  });

  it('runs to total_training_steps with the warmup + cosine LR and saves a loadable HF directory', async () => {
    const metrics: Array<[number, SftMetrics]> = [];
    const cfg = await presetConfig(['data.train_batch_size=32', 'data.micro_batch_size_per_gpu=32', 'data.val_max_samples=32', 'trainer.total_epochs=2', 'trainer.total_training_steps=3', 'trainer.test_freq=2', 'optim.lr_warmup_steps_ratio=0.1']);
    const result = await runSft(cfg, quiet(metrics));
    // 800 rows / 32 = 25 steps per epoch; the schedule spans 2 epochs (50 steps, 5 of warmup) though the run stops at 3.
    expect(metrics.map(([, m]) => m['train/lr'])).toEqual([0, 1e-3 / 5, 2e-3 / 5]);
    expect(metrics.map(([s, m]) => [s, 'val/loss' in m])).toEqual([[1, false], [2, true], [3, true]]);
    expect(result.steps).toBe(3);
    expect(readdirSync(result.modelDir).sort()).toEqual(['config.json', 'generation_config.json', 'model.safetensors', 'tokenizer_config.json']);
    const lm = CausalLM.fromDir(result.modelDir, { tokenizer: 'required' });
    expect(lm.spec.torchDtype).toBe('bfloat16');
    await lm.dispose();
  });
});

describe('SFT checkpoints and resume', () => {
  // 192 rows / 64 = 3 steps per epoch, so 5 steps cross an epoch boundary (a fresh shuffle).
  const base = ['data.train_max_samples=192', 'data.train_batch_size=64', 'data.micro_batch_size_per_gpu=32', 'data.val_files=null', 'trainer.total_epochs=4'];
  /** Every weight's bytes, in parameter order (compared as one buffer: deep equality on 0.8M numbers is slow). */
  const weightsOf = (lm: CausalLM) => Buffer.concat([...lm.weights()].map(([, w]) => Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength)));

  async function train(dir: string, extra: string[], interruptAfter?: number) {
    const metrics: Array<[number, SftMetrics]> = [];
    const trainer = await SftTrainer.create(await presetConfig([...base, `trainer.default_local_dir=${dir}`, ...extra]), {
      ...quiet(metrics),
      interrupted: () => (interruptAfter !== undefined && metrics.length >= interruptAfter ? 'SIGINT' : null),
    });
    const result = await trainer.fit();
    const weights = weightsOf(trainer.model);
    await trainer.dispose();
    return { metrics, result, weights };
  }

  it('N steps straight = N/2, resume (auto), N/2 — and = interrupted after 2, resume, rest; save_freq and retention', async () => {
    const straightDir = tempDir();
    const straight = await train(straightDir, ['trainer.total_training_steps=5', 'trainer.save_freq=2', 'trainer.max_ckpt_to_keep=2']);
    expect(straight.metrics.map(([s]) => s)).toEqual([1, 2, 3, 4, 5]);
    // Saved at 2, 4 and the last step; retention keeps the newest two.
    expect(listCheckpoints(straightDir).map((c) => c.step)).toEqual([4, 5]);
    expect(readFileSync(join(straightDir, 'latest_checkpointed_iteration.txt'), 'utf8').trim()).toBe('5');
    expect(readdirSync(join(straightDir, 'global_step_5')).sort()).toEqual(['actor', 'trainer_state']);
    expect(straight.result).toMatchObject({ steps: 5, interrupted: null, modelDir: join(straightDir, 'global_step_5', 'actor') });

    const splitDir = tempDir();
    const first = await train(splitDir, ['trainer.total_training_steps=2']);
    const second = await train(splitDir, ['trainer.total_training_steps=5']);
    expect([...first.metrics, ...second.metrics]).toEqual(straight.metrics);
    expect(second.weights.equals(straight.weights)).toBe(true);

    const intDir = tempDir();
    const stopped = await train(intDir, ['trainer.total_training_steps=5'], 2);
    expect(stopped.result).toMatchObject({ steps: 2, interrupted: 'SIGINT', checkpointDir: join(intDir, 'global_step_2') });
    const resumed = await train(intDir, ['trainer.total_training_steps=5', 'trainer.resume_mode=resume_path', `trainer.resume_from_path=${join(intDir, 'global_step_2')}`]);
    expect([...stopped.metrics, ...resumed.metrics]).toEqual(straight.metrics);
    expect(resumed.weights.equals(straight.weights)).toBe(true);

    // resume_mode=disable starts over; a bad resume path is a config error.
    const fresh = await train(splitDir, ['trainer.total_training_steps=1', 'trainer.resume_mode=disable']);
    expect(fresh.metrics).toEqual(straight.metrics.slice(0, 1));
    await expect(SftTrainer.create(await presetConfig([...base, 'trainer.resume_mode=resume_path', `trainer.resume_from_path=${join(splitDir, 'global_step_9')}`]), quiet())).rejects.toThrow(
      `trainer.resume_from_path: '${join(splitDir, 'global_step_9')}' does not exist`,
    );
    expect(existsSync(join(splitDir, 'global_step_2', 'trainer_state', 'optimizer.safetensors'))).toBe(true);
  });
});

describe('verl-ts sft', () => {
  it('trains from the command line: verl-style step lines, metrics.jsonl beside the checkpoints', async () => {
    const io = bufferIO({ cwd: ROOT, env: {} });
    const out = tempDir();
    const args = ['trainer.total_training_steps=2', 'data.val_max_samples=8', `trainer.default_local_dir=${out}`, 'trainer.logger=[console,file]'];
    const code = await runCli(['sft', '--config-name', 'digit_completion_sft', ...args], io);
    expect(io.err()).toBe('');
    expect(code).toBe(0);
    expect(io.out()).toMatch(/^step:1 - train\/loss:\d\.\d{3} - train\/grad_norm:\d\.\d{3} - train\/lr:0\.001$/m);
    expect(io.out()).toMatch(/^step:2 - .* - val\/loss:\d\.\d{3}$/m);
    expect(io.out()).toContain(`model: ${join(out, 'global_step_2', 'actor')}`);
    expect(io.out()).toContain(`file logger: ${join(out, 'metrics.jsonl')}`);
    const records = readMetricsJsonl(join(out, 'metrics.jsonl'));
    expect(records.map((r) => [r.step, Object.keys(r.data).sort()])).toEqual([
      [1, ['train/grad_norm', 'train/loss', 'train/lr']],
      [2, ['train/grad_norm', 'train/loss', 'train/lr', 'val/loss']],
    ]);
  });

  it('Ctrl-C finishes the step, writes a checkpoint, says how to resume and exits 130; the run resumes from it', async () => {
    const dir = tempDir();
    const args = ['--config-name', 'digit_completion_sft', 'data.val_files=null', 'trainer.total_training_steps=200', `trainer.default_local_dir=${dir}`];
    const child = runChild(new URL('./children/sft-cli.ts', import.meta.url), args);
    let exited = false;
    void child.exit.then(() => (exited = true));
    while (!exited && !child.lines().some((l) => l.startsWith('step:2 '))) await new Promise((r) => setTimeout(r, 20));
    child.proc.kill('SIGINT');
    const { code, stderr } = await child.exit;
    expect(stderr).toContain('SIGINT: stopping after the current step and saving a checkpoint');
    expect(code).toBe(130);
    const line = child.lines().find((l) => l.startsWith('Interrupted at step ')) ?? '';
    const step = Number(/^Interrupted at step (\d+) /.exec(line)?.[1]);
    expect(step).toBeGreaterThanOrEqual(2);
    expect(step).toBeLessThan(200);
    expect(readTracker(dir)).toBe(step);
    expect(child.lines()).toContain(`Resume with the same command (trainer.resume_mode=auto), or trainer.resume_mode=resume_path trainer.resume_from_path=${join(dir, `global_step_${step}`)}`);
    const metrics: Array<[number, SftMetrics]> = [];
    const trainer = await SftTrainer.create(await presetConfig(['data.val_files=null', `trainer.total_training_steps=${step + 1}`, `trainer.default_local_dir=${dir}`]), quiet(metrics));
    expect(trainer.startStep).toBe(step);
    await trainer.fit();
    await trainer.dispose();
    expect(metrics.map(([s]) => s)).toEqual([step + 1]);
  });

  it('refuses a micro-batch size that does not divide the batch, and keys verl-ts does not have', async () => {
    const io = bufferIO({ cwd: ROOT, env: {} });
    expect(await runCli(['sft', '--config-name', 'digit_completion_sft', 'data.micro_batch_size_per_gpu=7'], io)).toBe(2);
    expect(io.err()).toContain('data.micro_batch_size_per_gpu: data.train_batch_size (64) is not divisible by the micro-batch size 7; pick a divisor of 64.');
    const io2 = bufferIO({ cwd: ROOT, env: {} });
    expect(await runCli(['sft', 'trainer.n_gpus_per_node=1'], io2)).toBe(2);
    expect(io2.err()).toContain("trainer.n_gpus_per_node: unknown key.");
  });
});
