import type { CliCommand } from './command.js';

/** What `--help` shows for a command without loading it (a test checks it against the command's own). */
export interface CommandSummary {
  /** yargs command string, e.g. 'print-config [overrides..]'. */
  usage: string;
  describe: string;
  load: () => Promise<CliCommand>;
}

/**
 * Every command the CLI offers, in the order `--help` lists them, each loaded on demand: a command imports
 * only what it needs, so `verl-ts print-config` does not pay for ONNX Runtime or Apache Arrow at start-up,
 * and `verl-ts --help` loads none of them.
 */
export const commands: Record<string, CommandSummary> = {
  train: {
    usage: 'train [overrides..]',
    describe: 'Compose and validate a trainer config, create the run directory, and train',
    load: async () => (await import('./train.js')).trainCommand,
  },
  sft: {
    usage: 'sft [overrides..]',
    describe: 'Supervised fine-tuning on (prompt, response) pairs: cross-entropy on the response tokens (verl fsdp_sft_trainer)',
    load: async () => (await import('./sft.js')).sftCommand,
  },
  'print-config': {
    usage: 'print-config [overrides..]',
    describe: 'Compose the config like Hydra and print it (Hydra `--cfg job` output, byte for byte)',
    load: async () => (await import('./print-config.js')).printConfigCommand,
  },
  'gen-reference': {
    usage: 'gen-reference',
    describe: 'Write (or --check) config/_generated_<primary>.yaml reference snapshots and the config JSON Schema',
    load: async () => (await import('./gen-reference.js')).genReferenceCommand,
  },
  eval: {
    usage: 'eval [overrides..]',
    describe: 'Score a file of generated responses and report the mean score and pass@k per data source',
    load: async () => (await import('./eval.js')).evalCommand,
  },
  data: {
    usage: 'data <task>',
    describe: 'Write verl-schema train/test parquet files for a task (`verl-ts data --help` lists the tasks)',
    load: async () => (await import('./data.js')).dataCommand,
  },
  'init-model': {
    usage: 'init-model',
    describe: 'Write a randomly initialised Hugging Face model (config, safetensors, tokenizer) for tests and experiments',
    load: async () => (await import('./init-model.js')).initModelCommand,
  },
  score: {
    usage: 'score',
    describe: 'Per-token log-probs of sequences: JSONL lines {"input_ids": [...]} or {"text": "..."} → {"logprobs": [...]}',
    load: async () => (await import('./score.js')).scoreCommand,
  },
  report: {
    usage: 'report <run_dir>',
    describe: 'One self-contained HTML file of a training run: header, config, metric charts, and a browser for the rollout and validation dumps',
    load: async () => (await import('./report.js')).reportCommand,
  },
  compare: {
    usage: 'compare <run_dirs..>',
    describe: 'Overlay the charts of several training runs in one HTML file, with the config keys that differ',
    load: async () => (await import('./report.js')).compareCommand,
  },
  generate: {
    usage: 'generate [overrides..]',
    describe: 'Sample responses for every prompt of a dataset and write them as a `responses` column (verl main_generation)',
    load: async () => (await import('./generate.js')).generateCommand,
  },
};

/** The command `argv` names (its first word that is not a flag), if it is one of ours. */
export function namedCommand(argv: readonly string[]): string | undefined {
  const first = argv.find((a) => !a.startsWith('-'));
  return first !== undefined && first in commands ? first : undefined;
}
