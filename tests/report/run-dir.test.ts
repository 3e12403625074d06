// Reading a run directory: one value per step (a resumed run is one curve), the config resolved as the run saw
// it, where its dumps and checkpoints are, and clear errors for folders that are not runs.
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { metricTable, readRunDir } from '../../src/report/run-dir.js';
import { InputError } from '../../src/util/errors.js';
import { makeTempDir } from '../support/temp-dir.js';
import { stepMetrics, writeFakeRun } from './fixture-run.js';

describe('metricTable', () => {
  it('keeps the last line of a step, sorts steps, and leaves null where a step lacks a key', () => {
    const t = metricTable([
      { step: 2, data: { a: 1, b: 5 } },
      { step: 1, data: { a: 0 } },
      { step: 2, data: { a: 3 } },
      { step: 3, data: { a: null, b: Number.NaN } },
    ]);
    expect(t.steps).toEqual([1, 2, 3]);
    expect(t.series.a).toEqual([0, 3, null]);
    expect(t.series.b).toEqual([null, 5, null]);
  });
});

describe('readRunDir', () => {
  it('reads a resumed run as one curve, resolves ${hydra:run.dir}, and finds dumps and checkpoints', () => {
    const dir = writeFakeRun(makeTempDir('verlts-run-'));
    const run = readRunDir(dir, '/nonexistent-cwd');
    expect(run.metrics.steps).toEqual([0, 1, 2, 3, 4, 5, 6]);
    const o = { steps: 6, planned: 6, overrides: [], lr: 1e-4, skipped: [] };
    expect(run.metrics.series['critic/score/mean']).toEqual([null, ...[1, 2, 3, 4, 5, 6].map((s) => stepMetrics(s, o)['critic/score/mean'])]);
    expect(run.configResolved).toBe(true);
    expect(run.config.critic).toMatchObject({ ppo_mini_batch_size: 4 });
    expect(run.rolloutDumps).toEqual({ dir: path.join(dir, 'rollouts'), steps: [1, 2, 3, 4, 5, 6] });
    expect(run.validationDumps).toEqual({ dir: path.join(dir, 'validation'), steps: [0, 3, 6] });
    expect(run.checkpointDir).toBe(path.join(dir, 'checkpoints'));
    expect(run.checkpointSteps).toEqual([6]);
    expect(run.plannedSteps).toBe(6);
    expect(run.overrides).toEqual(['trainer.total_training_steps=6']);
  });

  it('finds ${hydra:run.dir} paths from any folder, also when the run directory was moved or is a multirun job', () => {
    // hydra.yaml as `verl-ts train` records it: run.dir holds ${now:...}, which no later clock reproduces.
    const base = makeTempDir('verlts-run-');
    const hydraYaml = (cwd: string, num: string) =>
      [
        'run:',
        '  dir: outputs/${now:%Y-%m-%d}/${now:%H-%M-%S}',
        'sweep:',
        '  dir: multirun/${now:%Y-%m-%d}/${now:%H-%M-%S}',
        '  subdir: ${hydra.job.num}',
        'job:',
        `  num: ${num}`,
        'runtime:',
        `  cwd: ${cwd}`,
        '',
      ].join('\n');
    const single = writeFakeRun(path.join(base, 'outputs', '2020-01-01', '00-00-00'));
    writeFileSync(path.join(single, '.hydra', 'hydra.yaml'), hydraYaml(base, '???'));
    const job = writeFakeRun(path.join(base, 'multirun', '2020-01-01', '00-00-00', '1'));
    writeFileSync(path.join(job, '.hydra', 'hydra.yaml'), hydraYaml(base, '1'));
    const elsewhere = makeTempDir('verlts-cwd-');
    for (const dir of [single, job]) {
      const run = readRunDir(dir, elsewhere);
      expect(run.checkpointDir).toBe(path.join(dir, 'checkpoints'));
      expect(run.checkpointSteps).toEqual([6]);
      expect(run.rolloutDumps?.steps).toEqual([1, 2, 3, 4, 5, 6]);
    }
    const moved = path.join(elsewhere, 'copied-run');
    cpSync(single, moved, { recursive: true });
    expect(readRunDir(moved, base).checkpointSteps).toEqual([6]);
    expect(readRunDir(moved, base).validationDumps).toEqual({ dir: path.join(moved, 'validation'), steps: [0, 3, 6] });
  });

  it('takes the planned steps from a checkpoint when total_training_steps is not set', () => {
    const dir = writeFakeRun(makeTempDir('verlts-run-'), { planned: -1 });
    const state = path.join(dir, 'checkpoints', 'global_step_6', 'trainer_state');
    mkdirSync(state, { recursive: true });
    writeFileSync(path.join(state, 'trainer_state.json'), JSON.stringify({ dataloader: { datasetSize: 100, batchSize: 8, dropLast: true } }));
    expect(readRunDir(dir, dir).plannedSteps).toBe(12);
  });

  it('says what is wrong with a folder that is not a run', () => {
    const dir = makeTempDir('verlts-run-');
    expect(() => readRunDir(path.join(dir, 'nope'), dir)).toThrow(/no such run directory/);
    expect(() => readRunDir(dir, dir)).toThrow(InputError);
    expect(() => readRunDir(dir, dir)).toThrow(/not a training run directory \(no \.hydra\/config\.yaml/);
    mkdirSync(path.join(dir, '.hydra'));
    writeFileSync(path.join(dir, '.hydra', 'config.yaml'), 'a: [1\n');
    expect(() => readRunDir(dir, dir)).toThrow(/config\.yaml: not valid YAML/);
  });

  it('keeps the config as written when an interpolation cannot be resolved here', () => {
    const dir = makeTempDir('verlts-run-');
    mkdirSync(path.join(dir, '.hydra'));
    writeFileSync(path.join(dir, '.hydra', 'config.yaml'), 'trainer:\n  default_local_dir: ${oc.env:VERLTS_REPORT_TEST_UNSET_VAR}\n');
    const run = readRunDir(dir, dir);
    expect(run.configResolved).toBe(false);
    expect(run.metrics.steps).toEqual([]);
  });
});
