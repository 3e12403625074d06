/**
 * `verl-ts data <task>`: write verl-schema train/test parquet files for a task (gsm8k, math, countdown,
 * digit_completion), with flags named as on verl's examples/data_preprocess scripts.
 */
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { Argv } from 'yargs';
import { getPreprocessor, preprocessorNames, runPreprocessor } from '../data/preprocess/registry.js';
import type { PreprocessArgs } from '../data/preprocess/types.js';
import { ConfigError } from '../util/errors.js';
import { checkOutputDir } from '../util/fs-check.js';
import { formatDuration } from '../util/progress.js';
import { progressStream } from './io.js';
import type { CliCommand } from './command.js';

const OUTPUT_FLAGS = ['local_save_dir', 'local_dir', 'output-dir', 'output_dir'];

function allOptions(): Map<string, { describe: string; aliases: string[] }> {
  const out = new Map<string, { describe: string; aliases: string[] }>();
  for (const name of preprocessorNames()) {
    for (const o of getPreprocessor(name).options) {
      const known = out.get(o.name);
      const line = `${name}: ${o.describe}${o.default !== undefined ? ` (default ${String(o.default)})` : ''}`;
      out.set(o.name, { describe: known ? `${known.describe}; ${line}` : line, aliases: o.aliases ?? [] });
    }
  }
  return out;
}

function expandHome(p: string): string {
  return p === '~' ? homedir() : p.startsWith('~/') ? join(homedir(), p.slice(2)) : p;
}

export const dataCommand: CliCommand = {
  name: 'data',
  usage: 'data <task>',
  describe: `Write verl-schema train/test parquet files for a task (${preprocessorNames().join(', ')})`,
  examples: [
    ['$0 data gsm8k --local_dataset_path ./gsm8k_raw --local_save_dir ~/data/gsm8k', 'GSM8K from local train/test files'],
    ['$0 data digit_completion --local_save_dir ./data/arith', "verl's arithmetic-sequence task"],
    ['$0 data countdown --train_size 10000 --test_size 512 --seed 1', 'generated Countdown puzzles'],
  ],
  build: (y: Argv) => {
    let b = y
      .positional('task', { type: 'string', describe: `one of ${preprocessorNames().join(', ')}` })
      .option('local_save_dir', {
        type: 'string',
        alias: ['local_dir', 'output-dir', 'output_dir'],
        describe: 'directory for train.parquet and test.parquet (default ~/data/<task>)',
      });
    for (const [name, o] of allOptions()) b = b.option(name, { type: 'string', alias: o.aliases, describe: o.describe });
    return b;
  },
  run: async (args, io) => {
    const task = String(args.task);
    const p = getPreprocessor(task);
    const own = new Set(p.options.flatMap((o) => [o.name, ...(o.aliases ?? [])]));
    const given: PreprocessArgs = {};
    for (const [name, o] of allOptions()) {
      const v = args[name];
      if (v === undefined) continue;
      if (!own.has(name)) {
        throw new ConfigError(
          `--${name} does not apply to '${task}' (its flags: ${p.options.map((x) => `--${x.name}`).join(', ') || 'none'}, --local_save_dir)`,
        );
      }
      void o;
      given[name] = v as string;
    }
    const outArg = OUTPUT_FLAGS.map((f) => args[f]).find((v) => typeof v === 'string') as string | undefined;
    const outDir = expandHome(outArg ?? `~/data/${task}`);
    const abs = isAbsolute(outDir) ? outDir : resolve(io.cwd, outDir);
    checkOutputDir(abs, '--local_save_dir');
    const started = Date.now();
    const written = await runPreprocessor(task, given, abs, { cwd: io.cwd, log: (line) => io.stdout(`${line}\n`), progress: progressStream(io) });
    io.stdout(`data ${task}: wrote ${written.length} file(s) to ${abs} in ${formatDuration((Date.now() - started) / 1000)}\n`);
    return 0;
  },
};
