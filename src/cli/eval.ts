/**
 * `verl-ts eval [overrides..]` (verl's main_eval): compose config/evaluation.yaml, validate it, score every
 * response of a generations file, and print the mean score and pass@k per data source.
 */
import type { Argv } from 'yargs';
import { evaluationSchema } from '../config/schema/evaluation.js';
import { loadConfig } from '../config/validate-config.js';
import { evaluationConfigFromSection, runEvaluation } from '../trainer/jobs/evaluate.js';
import type { CliCommand } from './command.js';
import { configArgs, withConfigArgs } from './config-args.js';
import { progressStream } from './io.js';
import { registryNames } from './registry-names.js';

export const evalCommand: CliCommand = {
  name: 'eval',
  usage: 'eval [overrides..]',
  describe: 'Score a file of generated responses and report the mean score and pass@k per data source',
  examples: [
    ['$0 eval data.path=gen.parquet', 'score with the built-in scorers chosen by data_source'],
    ['$0 eval data.path=gen.jsonl data.output_path=scores.jsonl custom_reward_function.path=my_reward.ts', 'your own scorer, per-row scores written'],
  ],
  build: (y: Argv) => withConfigArgs(y, 'evaluation'),
  run: async (args, io) => {
    const base = configArgs(args, io, 'evaluation');
    const loaded = await loadConfig(evaluationSchema, { ...base, env: io.env, cwd: io.cwd, registryNames });
    for (const w of loaded.warnings) io.stderr(`warning: ${w}\n`);
    const summary = await runEvaluation(evaluationConfigFromSection(loaded.config), { log: (line) => io.stdout(`${line}\n`), cwd: io.cwd, progress: progressStream(io) });
    return summary.rows > 0 ? 0 : 1;
  },
};
