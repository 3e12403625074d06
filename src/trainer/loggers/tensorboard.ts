/** The `tensorboard` logger: scalars (and validation generations as text) in a TensorBoard event file. */
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { formatFixed } from '../../util/py-format.js';
import { EventFileWriter } from './tfevents.js';
import { checkStep, type GenerationSample, type LoggerOptions, type MetricsLogger } from './types.js';

export const TENSORBOARD_DIR_ENV = 'TENSORBOARD_DIR';

/** `$TENSORBOARD_DIR` (relative to the working directory) or `<runDir>/tensorboard_log/<project>/<experiment>`. */
export function tensorboardDir(o: Pick<LoggerOptions, 'env' | 'runDir' | 'projectName' | 'experimentName'>): string {
  const fromEnv = o.env[TENSORBOARD_DIR_ENV];
  return fromEnv ? resolve(fromEnv) : join(o.runDir, 'tensorboard_log', o.projectName, o.experimentName);
}

let filesOpened = 0;

/** PyTorch SummaryWriter's name (what verl produces), so that two writers in one second never collide. */
export function eventFileName(nowMs: number, host = hostname(), pid = process.pid, serial = filesOpened): string {
  return `events.out.tfevents.${Math.floor(nowMs / 1000)}.${host}.${pid}.${serial}`;
}

/** verl's markdown for `val/generations`: one section per sample with its input, output and score. */
export function generationsMarkdown(samples: readonly GenerationSample[], step: number): string {
  let md = `**Generation Results - Step ${step}**\n\n`;
  samples.forEach((s, i) => {
    md += `### Sample ${i + 1}\n**Input:** ${s.input}\n\n**Output:** ${s.output}\n\n**Score:** ${formatFixed(s.score, 3)}\n\n---\n\n`;
  });
  return md;
}

export class TensorBoardLogger implements MetricsLogger {
  private readonly writer: EventFileWriter;

  /** Creates the directory and the event file (with its header record) at once, as SummaryWriter does. */
  constructor(
    readonly dir: string,
    now: () => number = Date.now,
  ) {
    mkdirSync(dir, { recursive: true });
    this.writer = new EventFileWriter(join(dir, eventFileName(now())), now);
    filesOpened++;
  }

  get path(): string {
    return this.writer.path;
  }

  log(metrics: Record<string, number>, step: number): void {
    checkStep(step);
    this.writer.write(
      step,
      Object.entries(metrics).map(([tag, scalar]) => ({ tag, scalar })),
    );
  }

  logGenerations(samples: readonly GenerationSample[], step: number): void {
    checkStep(step);
    if (samples.length > 0) this.writer.write(step, [{ tag: 'val/generations', text: generationsMarkdown(samples, step) }]);
  }

  async close(): Promise<void> {
    this.writer.close();
  }
}
