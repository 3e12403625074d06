/**
 * What a person watching a run sees: a bar over the training steps (ETA, seconds per step, mean score) on a
 * terminal, a plain line every few seconds otherwise, a line for every validation, and a warning naming any
 * skipped update. verl's full `step:N - key:value` lines come from the console logger.
 */
import { createProgress, type Progress, type ProgressStream } from '../util/progress.js';

export type Metrics = Record<string, number>;

export interface StepReporterOptions {
  totalSteps: number;
  startStep: number;
  write: (text: string) => void;
  isTTY: boolean;
  /** Plain-line period without a terminal (default 5 s). */
  intervalMs?: number;
}

export class StepReporter {
  private readonly progress: Progress;
  private lastVal: number | null = null;

  constructor(private readonly o: StepReporterOptions) {
    const stream: ProgressStream = { write: (s: string) => o.write(s), isTTY: o.isTTY };
    this.progress = createProgress({ label: 'train', total: o.totalSteps, unit: 'steps', stream, intervalMs: o.intervalMs ?? 5000 });
    this.progress.update(o.startStep);
  }

  stepEnd(step: number, metrics: Metrics, skipped: string | null): void {
    const payload: Record<string, string | number> = {};
    if (metrics['critic/score/mean'] !== undefined) payload.score = metrics['critic/score/mean'];
    if (metrics['timing_s/step'] !== undefined) payload['s/step'] = metrics['timing_s/step'];
    if (this.lastVal !== null) payload.val = this.lastVal;
    if (skipped) this.o.write(`${this.o.isTTY ? '\n' : ''}warning: step ${step}: ${skipped}; the update was not applied\n`);
    this.progress.update(step, payload);
  }

  /** One line per validation: every core metric (val-core/<data_source>/<var>/mean@N). */
  validation(step: number, metrics: Metrics): void {
    const core = Object.entries(metrics).filter(([k]) => k.startsWith('val-core/'));
    if (core.length === 0) return;
    const means = core.filter(([k]) => k.includes('/mean@'));
    if (means.length) this.lastVal = means.reduce((s, [, v]) => s + v, 0) / means.length;
    const when = step === this.o.startStep ? `before training (step ${step})` : `step ${step}`;
    this.o.write(`${this.o.isTTY ? '\n' : ''}validation ${when}: ${core.map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ')}\n`);
  }

  /** The closing summary follows, so no final progress line (it would repeat the last one). */
  stop(): void {
    this.progress.stop('');
  }
}
