// The report header: steps, validation final/best, the derived batch sizes, the note on an unfinished run,
// what sets compared runs apart, and how dumps are packed for the page.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { configDiff, distinguishingOverrides, flattenConfig } from '../../src/report/config-diff.js';
import { panelsFor } from '../../src/report/panels.js';
import { readRunDir } from '../../src/report/run-dir.js';
import { embedDumps, type PackedStep } from '../../src/report/samples-embed.js';
import { summarizeRun } from '../../src/report/summary.js';
import { makeTempDir } from '../support/temp-dir.js';
import { rolloutRecords, valScore, writeFakeRun } from './fixture-run.js';

const fact = (facts: Array<[string, string]>, label: string) => facts.find(([k]) => k === label)?.[1];

describe('summarizeRun', () => {
  it('reports a finished run: steps, time, validation, algorithm and batch sizes', () => {
    const run = readRunDir(writeFakeRun(makeTempDir('verlts-sum-')), '/');
    const s = summarizeRun(run, Date.now());
    expect(s.finished).toBe(true);
    expect(s.progressNote).toBeNull();
    expect(fact(s.facts, 'steps')).toBe('6 of 6 (finished)');
    expect(fact(s.facts, 'training time')).toBe('12.0 s (sum of timing_s/step)');
    const wall = (run.metricsWrittenAt - run.startedAt) / 1000;
    expect(fact(s.facts, 'wall time')).toBe(`${wall.toFixed(1)} s from the start of the run (its latest resume, if resumed) to its last metrics line`);
    expect(fact(s.facts, 'algorithm')).toBe('gae; policy loss vanilla; agg token-mean; KL: KL loss low_var_kl × 0.001');
    // Validation at 0, 3, 6 rises: final and best are both step 6.
    expect(s.validation).toEqual([{ key: 'val-core/digits/reward/mean@1', final: valScore(6), finalStep: 6, best: valScore(6), bestStep: 6 }]);
    // 8 prompts × 3 = 24 responses; actor mini-batches of 4·3 = 12 → 2 per epoch × 2 epochs, micro 8 → ceil(12/8) = 2;
    // critic (it logged critic/vf_loss) mini 12, micro 2 → 6, 1 epoch.
    expect(s.batchSizes).toEqual([
      'per training step: 8 prompts × 3 samples = 24 responses',
      'actor: 2 mini-batch(es) of 12 trajectories × 2 epoch(s) = 4 optimizer step(s) per training step; 2 micro-batch(es) of 8',
      'critic: 2 mini-batch(es) of 12 trajectories × 1 epoch(s) = 2 optimizer step(s) per training step; 6 micro-batch(es) of 2',
    ]);
  });

  it('says when a run has not reached its last step, and how long ago it wrote', () => {
    const run = readRunDir(writeFakeRun(makeTempDir('verlts-sum-'), { steps: 4, planned: 10 }), '/');
    const s = summarizeRun(run, run.metricsWrittenAt + 90_000);
    expect(s.finished).toBe(false);
    expect(s.progressNote).toContain('Not finished: 4 of 10 steps logged; metrics last written 1 min 30 s ago');
    expect(s.progressNote).toContain('latest checkpoint is step 4');
  });

  it('says when there is no metrics file to chart', () => {
    const dir = writeFakeRun(makeTempDir('verlts-sum-'));
    rmSync(path.join(dir, 'metrics.jsonl'));
    const s = summarizeRun(readRunDir(dir, '/'), Date.now());
    expect(fact(s.facts, 'metrics')).toBe(`none: ${path.join(dir, 'metrics.jsonl')} does not exist (the run's trainer.logger has no \`file\`)`);
    expect(s.progressNote).toContain('Not finished: 0 of 6 steps logged');
  });
});

describe('compare helpers', () => {
  it('lists only the keys that differ, with each run’s value', () => {
    const a = { x: { lr: 1, same: 'a' }, list: [1, 2] };
    const b = { x: { lr: 2, same: 'a' }, list: [1, 2], extra: true };
    expect(flattenConfig(a)).toEqual(new Map([['x.lr', '1'], ['x.same', 'a'], ['list', '[1,2]']]));
    expect(configDiff([a, b])).toEqual([
      { key: 'extra', values: [null, 'true'] },
      { key: 'x.lr', values: ['1', '2'] },
    ]);
  });

  it('keeps each run’s overrides that not every run shares', () => {
    expect(distinguishingOverrides([['a=1', 'b=1'], ['a=1', 'b=2'], ['a=1']])).toEqual([['b=1'], ['b=2'], []]);
    expect(distinguishingOverrides([['a=1']])).toEqual([['a=1']]);
  });
});

describe('panelsFor', () => {
  it('draws only what was logged, timing in loop order, markers where a flag exists', () => {
    const panels = panelsFor(new Set(['critic/score/mean', 'timing_s/update_actor', 'timing_s/gen', 'timing_s/step', 'actor/grad_norm', 'actor/skipped_updates']));
    expect(panels.map((p) => p.id)).toEqual(['score', 'grad-norm', 'timing']);
    expect(panels[2].keys).toEqual(['timing_s/gen', 'timing_s/update_actor']);
    expect(panels[1].markers).toEqual([{ flag: 'actor/skipped_updates', on: 'actor/grad_norm', label: 'actor update skipped' }]);
  });
});

describe('embedDumps', () => {
  it('packs each step once per string, gzip + base64, and unpacks to the records', () => {
    const run = readRunDir(writeFakeRun(makeTempDir('verlts-sum-')), '/');
    const steps = embedDumps(run.rolloutDumps!);
    expect(steps.map((s) => [s.step, s.rows])).toEqual([1, 2, 3, 4, 5, 6].map((s) => [s, 12]));
    const packed = JSON.parse(gunzipSync(Buffer.from(steps[1].payload, 'base64')).toString('utf8')) as PackedStep;
    const records = rolloutRecords(2);
    expect(packed.strings.length).toBeLessThan(records.length * 3);
    const back = packed.input.map((_, i) => ({
      input: packed.strings[packed.input[i]],
      output: packed.strings[packed.output[i]],
      gts: packed.strings[packed.gts[i]],
      score: packed.score[i],
      step: 2,
      acc: Number(packed.strings[packed.extras.acc[i]]),
    }));
    expect(back).toEqual(records);
  });
});
