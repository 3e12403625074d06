/** What tests/fixtures/trainer/tb/ holds: the logger calls that produced the committed event file. */
import type { GenerationSample } from '../../src/trainer/loggers/index.js';
import { generationsMarkdown } from '../../src/trainer/loggers/tensorboard.js';
import { EventFileWriter } from '../../src/trainer/loggers/tfevents.js';

export const TB_FIXTURE_CLOCK_START_MS = 1_700_000_000_250;
/** The fixture's clock advances 1.5 s per call. */
export function fixtureClock(): () => number {
  let t = TB_FIXTURE_CLOCK_START_MS;
  return () => {
    const now = t;
    t += 1500;
    return now;
  };
}

export const TB_FIXTURE_STEPS: Array<{ step: number; metrics: Record<string, number> }> = [
  { step: 0, metrics: { 'val-core/digit_completion/reward/mean@1': 0.125 } },
  { step: 1, metrics: { 'critic/score/mean': 0.25, 'actor/pg_loss': -0.0123456789, 'actor/lr': 1e-6, 'perf/total_num_tokens': 123456789 } },
  { step: 2, metrics: { 'critic/score/mean': 0.5, 'actor/pg_loss': 3.25e-8, 'actor/lr': 1e-6, 'perf/total_num_tokens': 7, 'actor/grad_norm': NaN } },
  { step: 1000, metrics: { 'critic/score/mean': -Infinity, 'training/global_step': 1000 } },
];

export const TB_FIXTURE_GENERATIONS: { step: number; samples: GenerationSample[] } = {
  step: 2,
  samples: [
    { input: '12 34 +', output: '46', score: 1 },
    { input: 'ünïcode | pipe\nnewline', output: '', score: 0 },
  ],
};

/** Replays the fixture's calls into a new event file at `path` (what gen_tfevents.ts commits). */
export function writeFixtureEvents(path: string): void {
  const w = new EventFileWriter(path, fixtureClock());
  for (const { step, metrics } of TB_FIXTURE_STEPS) {
    w.write(step, Object.entries(metrics).map(([tag, scalar]) => ({ tag, scalar })));
    if (step === TB_FIXTURE_GENERATIONS.step) {
      w.write(step, [{ tag: 'val/generations', text: generationsMarkdown(TB_FIXTURE_GENERATIONS.samples, step) }]);
    }
  }
  w.close();
}
