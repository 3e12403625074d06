/** `verl-ts train` as a user runs it: the process, its exit codes, Ctrl-C, and what a bad config leaves behind. */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { bufferIO } from '../../src/cli/io.js';
import { ROOT, SMALL, tempDir } from './run-helpers.js';

const BIN = path.join(ROOT, 'bin', 'verl-ts');

function waitFor(predicate: () => boolean, timeoutMs: number): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (predicate()) resolve();
      else if (Date.now() - started > timeoutMs) reject(new Error('timed out waiting'));
      else setTimeout(tick, 100);
    };
    tick();
  });
}

describe('verl-ts train (the process)', () => {
  it('on SIGINT finishes the step, writes a resumable checkpoint, exits 130, and the next run resumes from it', async () => {
    const cwd = tempDir();
    const args = [BIN, 'train', ...SMALL, 'trainer.total_training_steps=40', 'trainer.val_before_train=false', 'trainer.test_freq=-1', 'hydra.run.dir=run'];
    const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const metrics = path.join(cwd, 'run', 'metrics.jsonl');
    await waitFor(() => existsSync(metrics) && readFileSync(metrics, 'utf8').includes('"step":1,'), 60_000);
    child.kill('SIGINT');
    const code = await exited;
    expect(err).toContain('SIGINT: finishing the current step, then writing a checkpoint');
    expect(code).toBe(130);
    expect(out).toMatch(/Training interrupted by SIGINT after step (\d+) of 40\./);
    const step = Number(/after step (\d+) of 40/.exec(out)?.[1]);
    const tracker = path.join(cwd, 'run', 'checkpoints', 'latest_checkpointed_iteration.txt');
    expect(readFileSync(tracker, 'utf8').trim()).toBe(String(step));
    expect(existsSync(path.join(cwd, 'run', 'checkpoints', `global_step_${step}`, 'actor', 'model.safetensors'))).toBe(true);
    expect(out).toContain('resume with the same command');

    const io = bufferIO({ cwd, env: {} });
    const resumed = await runCli(['train', ...SMALL, `trainer.total_training_steps=${step + 1}`, 'trainer.val_before_train=false', 'trainer.test_freq=-1', 'hydra.run.dir=run'], io);
    expect(io.err()).not.toContain('rror');
    expect(resumed).toBe(0);
    expect(io.out()).toContain(`(step ${step} of ${step + 1})`);
    expect(io.out()).toContain(`Training finished: ${step + 1} of ${step + 1} steps.`);
  }, 180_000);

  it('val_only validates and stops, saying so', async () => {
    const cwd = tempDir();
    const io = bufferIO({ cwd, env: {} });
    expect(await runCli(['train', 'trainer.val_only=true', 'data.val_max_samples=16', 'hydra.run.dir=run'], io)).toBe(0);
    expect(io.out()).toContain('Validation only (trainer.val_only): nothing was trained.');
    expect(readFileSync(path.join(cwd, 'run', 'metrics.jsonl'), 'utf8')).toMatch(/^\{"step":0,"data":\{"val-core\/digit_completion\/reward\/mean@1":/);
    expect(existsSync(path.join(cwd, 'run', 'checkpoints'))).toBe(false);
  }, 60_000);

  it('a bad config stops before anything is written', async () => {
    const cwd = tempDir();
    const io = bufferIO({ cwd, env: {} });
    const code = await runCli(['train', 'trainer.logger=[consol]', 'hydra.run.dir=run'], io);
    expect(code).toBe(2);
    expect(io.err()).toContain("Did you mean 'console'?");
    expect(existsSync(path.join(cwd, 'run'))).toBe(false);
  });

  it('trains the embedded default with no arguments, from any folder', async () => {
    const cwd = tempDir();
    const io = bufferIO({ cwd, env: {} });
    // The same command line as README command 1, cut to two steps so the test stays short.
    const code = await runCli(['train', 'trainer.total_training_steps=2', 'trainer.test_freq=2', 'data.val_max_samples=16', 'hydra.run.dir=run'], io);
    expect(io.err()).not.toContain('rror');
    expect(code).toBe(0);
    expect(io.out()).toContain('Config: the embedded quickstart (config/quickstart.yaml)');
    expect(io.out()).toMatch(/validation reward: \d\.\d{3} -> \d\.\d{3}/);
    expect(existsSync(path.join(cwd, 'run', 'checkpoints', 'global_step_2', 'actor', 'config.json'))).toBe(true);
  }, 120_000);
});
