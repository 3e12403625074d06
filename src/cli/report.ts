/** `verl-ts report RUN_DIR` and `verl-ts compare RUN_A RUN_B ...`: one offline HTML file of a run's curves and samples (argument mapping onto src/report/). */
import path from 'node:path';
import type { CliCommand } from './command.js';
import type { CliIO } from './io.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { ConfigError } from '../util/errors.js';
import { checkOutputFile } from '../util/fs-check.js';
import { reportAssets } from '../report/assets.js';
import { compareHtml, reportHtml } from '../report/html.js';
import { readRunDir } from '../report/run-dir.js';

function outputPath(args: Record<string, unknown>, io: CliIO, fallback: string): string {
  const out = path.resolve(io.cwd, typeof args.out === 'string' && args.out !== '' ? args.out : fallback);
  checkOutputFile(out, '--out');
  return out;
}

async function write(out: string, html: string, io: CliIO): Promise<number> {
  await writeFileAtomic(out, html);
  io.stdout(`wrote ${out} (${(Buffer.byteLength(html) / 1024).toFixed(0)} KiB); open it in a browser, no network needed\n`);
  return 0;
}

export const reportCommand: CliCommand = {
  name: 'report',
  usage: 'report <run_dir>',
  describe: 'One self-contained HTML file of a training run: header, config, metric charts, and a browser for the rollout and validation dumps',
  examples: [
    ['$0 report outputs/2026-01-31/12-00-00', 'write outputs/2026-01-31/12-00-00/report.html'],
    ['$0 report /tmp/r --out r.html', 'write r.html'],
  ],
  build: (y) =>
    y
      .positional('run_dir', { type: 'string', describe: 'Run directory of `verl-ts train` (hydra.run.dir): metrics.jsonl, .hydra/, dumps' })
      .option('out', { type: 'string', describe: 'HTML file to write (default: <run_dir>/report.html)' }),
  run: async (args, io) => {
    const dir = path.resolve(io.cwd, String(args.run_dir));
    const run = readRunDir(dir, io.cwd);
    const out = outputPath(args, io, path.join(dir, 'report.html'));
    return write(out, reportHtml(run, reportAssets(), Date.now()), io);
  },
};

export const compareCommand: CliCommand = {
  name: 'compare',
  usage: 'compare <run_dirs..>',
  describe: 'Overlay the charts of several training runs in one HTML file, with the config keys that differ',
  examples: [['$0 compare runs/grpo runs/ppo --out grpo-vs-ppo.html', 'one colour per run']],
  build: (y) =>
    y
      .positional('run_dirs', { type: 'string', array: true, describe: 'Two or more run directories of `verl-ts train`' })
      .option('out', { type: 'string', describe: 'HTML file to write (default: compare.html in the working directory)' }),
  run: async (args, io) => {
    const dirs = (Array.isArray(args.run_dirs) ? args.run_dirs : []).map((d) => path.resolve(io.cwd, String(d)));
    if (dirs.length < 2) throw new ConfigError(`compare needs at least two run directories, got ${dirs.length}`);
    const runs = dirs.map((d) => readRunDir(d, io.cwd));
    const out = outputPath(args, io, path.join(io.cwd, 'compare.html'));
    return write(out, compareHtml(runs, reportAssets(), Date.now()), io);
  },
};
