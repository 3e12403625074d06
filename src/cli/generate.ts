/**
 * `verl-ts generate [overrides..]` (verl's main_generation): compose config/generation.yaml with Hydra
 * overrides, validate it, and run trainer/jobs/generation.ts.
 */
import type { Argv } from 'yargs';
import { loadConfig } from '../config/validate-config.js';
import { generationSchema } from '../config/schema/generation.js';
import { generationConfigFromSection, runGeneration } from '../trainer/jobs/generation.js';
import type { CliCommand } from './command.js';
import { configArgs, withConfigArgs } from './config-args.js';
import { progressStream } from './io.js';
import { registryNames } from './registry-names.js';

export const generateCommand: CliCommand = {
  name: 'generate',
  usage: 'generate [overrides..]',
  describe: 'Sample responses for every prompt of a dataset and write them as a `responses` column (verl main_generation)',
  examples: [
    ['$0 generate model.path=models/tiny data.path=test.parquet data.output_path=out.parquet', 'five samples per prompt'],
    ['$0 generate data.n_samples=1 rollout.do_sample=false rollout.temperature=0 ...', 'greedy decoding'],
  ],
  build: (y: Argv) => withConfigArgs(y, 'generation'),
  run: async (args, io) => {
    const base = configArgs(args, io, 'generation');
    const loaded = await loadConfig(generationSchema, { ...base, env: io.env, cwd: io.cwd, registryNames });
    for (const w of loaded.warnings) io.stderr(`warning: ${w}\n`);
    const cfg = generationConfigFromSection(loaded.config);
    const result = await runGeneration(cfg, { log: (line) => io.stdout(`${line}\n`), cwd: io.cwd, progress: progressStream(io) });
    io.stdout(`Generated ${result.generatedTokens} tokens in ${result.responses} responses\n`);
    return 0;
  },
};
