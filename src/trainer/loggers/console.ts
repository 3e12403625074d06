/** The `console` logger: verl's one line per step, `step:N - key:value - ...`, and a generations table. */
import { formatFixed } from '../../util/py-format.js';
import { checkStep, type GenerationSample, type MetricsLogger } from './types.js';

/** verl's line: every metric in insertion order, each value as Python's `f"{v:.3f}"` prints it. */
export function formatStepLine(metrics: Record<string, number>, step: number): string {
  const parts = [`step:${step}`];
  for (const [key, value] of Object.entries(metrics)) if (typeof value === 'number') parts.push(`${key}:${formatFixed(value, 3)}`);
  return parts.join(' - ');
}

const CELL_WIDTH = 60;

/** One line of a table cell: newlines and pipes made visible, long text cut with an ellipsis. */
function cell(text: string): string {
  const flat = text.replace(/\r?\n/g, '\\n').replace(/\|/g, '\\|');
  return flat.length > CELL_WIDTH ? `${flat.slice(0, CELL_WIDTH - 1)}…` : flat;
}

/** A small aligned text table of (input, output, score) rows under a `val/generations step:N` heading. */
export function formatGenerationsTable(samples: readonly GenerationSample[], step: number): string {
  const header = ['#', 'input', 'output', 'score'];
  const rows = samples.map((s, i) => [String(i + 1), cell(s.input), cell(s.output), formatFixed(s.score, 3)]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (r: string[]) => `| ${r.map((v, c) => v.padEnd(widths[c])).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [`val/generations step:${step}`, line(header), rule, ...rows.map(line)].join('\n');
}

export class ConsoleLogger implements MetricsLogger {
  constructor(private readonly write: (text: string) => void) {}

  log(metrics: Record<string, number>, step: number): void {
    checkStep(step);
    this.write(`${formatStepLine(metrics, step)}\n`);
  }

  logGenerations(samples: readonly GenerationSample[], step: number): void {
    checkStep(step);
    if (samples.length > 0) this.write(`${formatGenerationsTable(samples, step)}\n`);
  }

  async close(): Promise<void> {}
}
