/**
 * `verl-ts train [overrides..] [-m] [--dry-run] [--cfg job|hydra|all]`: compose the trainer config (Hydra
 * rules), load plugins, validate, check the files it names, create the run directory with
 * `.hydra/config.yaml` and `.hydra/overrides.yaml` as Hydra does, print the derived batch sizes, then hand
 * the typed config to the trainer. With `-m/--multirun`, every combination of the sweep overrides runs as
 * its own numbered job under `hydra.sweep.dir`. `--dry-run` stops before anything is created; `--cfg`
 * prints the composed config like a Hydra app and runs nothing.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Argv } from 'yargs';
import { cfgView, compose, expandSweeps, plainToYaml, renderConfig, selectNode, toPlain, toYaml } from '../config/index.js';
import type { CfgView, ComposeResult } from '../config/index.js';
import { deriveBatchSizes, formatBatchSizes } from '../config/schema/batch-sizes.js';
import type { PpoTrainerConfig } from '../config/schema/ppo-trainer.js';
import { loadTrainerConfig } from '../config/validate-config.js';
import { triageVerlOverrides } from '../config/verl-keys.js';
import { UserError } from '../util/errors.js';
import { checkOutputDir } from '../util/fs-check.js';
import { writeFileAtomicSync } from '../util/atomic-write.js';
import type { CliCommand } from './command.js';
import { configArgs, overridesArg, stringArg, withConfigArgs } from './config-args.js';
import type { ConfigArgs } from './config-args.js';
import type { CliIO } from './io.js';
import { algorithmNeeds, registryNames } from './registry-names.js';

/** One validated training job, ready for the trainer. */
export interface TrainJob {
  config: PpoTrainerConfig;
  runDir: string;
}

/** A string value of the hydra node (e.g. `run.dir`), resolved. */
function hydraString(composed: ComposeResult, key: string): string {
  const node = selectNode(composed.hydra, key);
  const value = node ? toPlain(node, { resolve: true }) : undefined;
  if (value === undefined || value === null || typeof value === 'object') {
    throw new UserError(`hydra.${key} must be set to a path (got ${JSON.stringify(value) ?? 'nothing'})`, { exitCode: 2 });
  }
  return String(value);
}

/** Hydra's per-run record: the job config (unresolved, as composed) and the task overrides. */
function writeRunRecord(runDir: string, composed: ComposeResult): void {
  const dir = path.join(runDir, '.hydra');
  mkdirSync(dir, { recursive: true });
  writeFileAtomicSync(path.join(dir, 'config.yaml'), toYaml(composed.config));
  writeFileAtomicSync(path.join(dir, 'overrides.yaml'), plainToYaml(composed.taskOverrides));
  writeFileAtomicSync(path.join(dir, 'hydra.yaml'), toYaml(composed.hydra));
}

/** A validated job and what to tell the user about its config before it runs. */
interface PreparedJob extends TrainJob {
  warnings: string[];
  notices: string[];
}

interface PrepareOptions {
  now: Date;
  /** Multirun job number; absent for a single run. */
  jobNum?: number;
  /** Validate and check paths only: write no run record. */
  dryRun: boolean;
}

async function prepareJob(base: ConfigArgs, overrides: string[], io: CliIO, options: PrepareOptions): Promise<PreparedJob> {
  const { jobNum } = options;
  const loaded = await loadTrainerConfig({
    ...base,
    overrides,
    env: io.env,
    cwd: io.cwd,
    now: options.now,
    registryNames,
    algorithmNeeds,
    checkPaths: true,
    ...(jobNum === undefined ? {} : { mode: 'RUN' as const, job: { num: jobNum } }),
  });
  const runDir =
    jobNum === undefined
      ? path.resolve(io.cwd, hydraString(loaded.composed, 'run.dir'))
      : path.resolve(io.cwd, hydraString(loaded.composed, 'sweep.dir'), hydraString(loaded.composed, 'sweep.subdir'));
  checkOutputDir(runDir, jobNum === undefined ? 'hydra.run.dir' : 'hydra.sweep.dir');
  if (!options.dryRun) writeRunRecord(runDir, loaded.composed);
  return { config: loaded.config, runDir, warnings: loaded.warnings, notices: loaded.notices };
}

function printNotes(job: PreparedJob, io: CliIO): void {
  for (const n of job.notices) io.stderr(`notice: ${n}\n`);
  for (const w of job.warnings) io.stderr(`warning: ${w}\n`);
}

/** The end of a dry run: what a real run would do first, and that nothing was created. */
function reportDryRun(job: PreparedJob, io: CliIO): number {
  io.stdout(formatBatchSizes(job.config, deriveBatchSizes(job.config, algorithmNeeds)));
  io.stdout(`Dry run: the config is valid and its files exist. Nothing was created (the run directory would be ${job.runDir}).\n`);
  return 0;
}

/** Hand a validated job to the trainer; 0 when it finished, 130/143 when a signal stopped it after a checkpoint. */
async function runJob(job: TrainJob, io: CliIO): Promise<number> {
  io.stdout(formatBatchSizes(job.config, deriveBatchSizes(job.config, algorithmNeeds)));
  const { runTraining, formatSummary, SIGNAL_EXIT_CODES } = await import('../trainer/index.js');
  const summary = await runTraining(job.config, {
    runDir: job.runDir,
    io: { stdout: io.stdout, stderr: io.stderr, env: io.env, cwd: io.cwd, isTTY: io.isTTY, handleSignals: io.ownsProcess },
  });
  io.stdout(formatSummary(summary));
  return summary.interruptedBy ? (SIGNAL_EXIT_CODES[summary.interruptedBy] ?? 130) : 0;
}

const QUICKSTART_NOTE =
  'Config: the embedded quickstart (config/quickstart.yaml), because no --config-name and no model or data of your own were given; ' +
  "set actor_rollout_ref.model.path and data.train_files (or --config-name ppo_trainer) for verl's ppo_trainer defaults.\n";

async function runSingle(base: ConfigArgs, io: CliIO, dryRun: boolean, note: string | null): Promise<number> {
  const job = await prepareJob(base, base.overrides, io, { now: new Date(), dryRun });
  printNotes(job, io);
  if (note) io.stdout(note);
  if (dryRun) return reportDryRun(job, io);
  io.stdout(`Run directory: ${job.runDir}\n`);
  return runJob(job, io);
}

/**
 * Hydra's `--cfg`: print the composed config and run nothing. Verl keys verl-ts ignores set nothing in the job
 * config; the hydra node lists them among the task overrides, as given.
 */
function printCfg(base: ConfigArgs, io: CliIO, view: CfgView, args: Record<string, unknown>): number {
  const overrides = triageVerlOverrides(base.overrides).kept;
  const composed = compose({ ...base, overrides, recordedOverrides: base.overrides, env: io.env, cwd: io.cwd });
  for (const warning of composed.warnings) io.stderr(`UserWarning: ${warning}\n`);
  io.stdout(renderConfig(cfgView(composed, view), { resolve: args.resolve === true, package: stringArg(args.package) }));
  return 0;
}

interface SweepOutcome {
  num: number;
  overrides: string[];
  code: number;
  error?: string;
}

async function runSweep(base: ConfigArgs, io: CliIO, dryRun: boolean, note: string | null): Promise<number> {
  if (note) io.stdout(note);
  const now = new Date();
  const sweepBase = compose({ ...base, overrides: triageVerlOverrides(base.overrides).kept, env: io.env, cwd: io.cwd, now, mode: 'MULTIRUN' });
  const sweepDir = path.resolve(io.cwd, hydraString(sweepBase, 'sweep.dir'));
  const combos = expandSweeps(base.overrides, { configDir: base.configDir, cwd: io.cwd });
  checkOutputDir(sweepDir, 'hydra.sweep.dir');
  if (!dryRun) {
    mkdirSync(sweepDir, { recursive: true });
    writeFileAtomicSync(path.join(sweepDir, 'multirun.yaml'), toYaml(sweepBase.config));
  }
  io.stdout(`${dryRun ? 'Checking' : 'Launching'} ${combos.length} job(s) in ${sweepDir}\n`);
  const outcomes: SweepOutcome[] = [];
  for (const [num, overrides] of combos.entries()) {
    io.stdout(`\n#${num} : ${overrides.join(' ')}\n`);
    try {
      const job = await prepareJob(base, overrides, io, { now, jobNum: num, dryRun });
      printNotes(job, io);
      outcomes.push({ num, overrides, code: dryRun ? reportDryRun(job, io) : await runJob(job, io) });
    } catch (err) {
      // A job with a bad config does not stop the sweep; the summary lists it.
      if (!(err instanceof UserError)) throw err;
      io.stderr(`${err.message}\n`);
      outcomes.push({ num, overrides, code: err.exitCode, error: err.message.split('\n')[0] });
    }
  }
  io.stdout(`\nSweep summary (${sweepDir}):\n`);
  for (const o of outcomes) {
    const status = o.code === 0 ? 'ok' : o.error ? `failed (exit ${o.code}): ${o.error}` : `exit ${o.code}`;
    io.stdout(`  #${o.num} ${o.overrides.join(' ') || '(no overrides)'}: ${status}\n`);
  }
  return outcomes.reduce((worst, o) => Math.max(worst, o.code), 0);
}

/** Keys whose presence on the command line means "my own model or data", so verl's ppo_trainer defaults apply. */
const OWN_RUN_KEYS = ['actor_rollout_ref.model.path', 'data.train_files', 'data.val_files'];

/**
 * The primary config of `train` when none is named: the embedded quickstart (tiny Llama on digit completion)
 * unless the command line points at the user's own model or data, in which case verl's ppo_trainer defaults
 * apply exactly as in verl's main_ppo. --config-name always wins.
 */
export function defaultTrainConfigName(args: Record<string, unknown>, overrides: readonly string[]): string {
  if (args['config-name'] !== undefined || args['config-path'] !== undefined) return 'ppo_trainer';
  const own = overrides.some((o) => OWN_RUN_KEYS.some((k) => o.replace(/^\+{1,2}/, '').startsWith(`${k}=`)));
  return own ? 'ppo_trainer' : 'quickstart';
}

export const trainCommand: CliCommand = {
  name: 'train',
  usage: 'train [overrides..]',
  describe: 'Compose and validate a trainer config, create the run directory, and train',
  examples: [
    ['$0 train algorithm.adv_estimator=grpo actor_rollout_ref.rollout.n=4', 'GRPO with 4 samples per prompt'],
    ['$0 train hydra.run.dir=runs/exp1 trainer.total_epochs=2', 'choose the run directory'],
    ['$0 train -m actor_rollout_ref.actor.optim.lr=1e-6,5e-6 data.seed=range(1,3)', 'a sweep of 4 jobs'],
    ['$0 train --dry-run trainer.n_gpus_per_node=8 actor_rollout_ref.rollout.name=vllm', 'check a verl script\'s overrides'],
  ],
  build: (y: Argv) =>
    withConfigArgs(y, 'quickstart, or ppo_trainer when your own model/data are set')
      .option('multirun', {
        alias: 'm',
        type: 'boolean',
        default: false,
        describe: 'run every combination of sweep overrides (a,b / range() / choice()) as its own job',
      })
      .option('dry-run', {
        type: 'boolean',
        default: false,
        describe: 'compose, validate and check paths, print notices and batch sizes, then stop: nothing is created',
      })
      .option('cfg', {
        alias: 'c',
        choices: ['job', 'hydra', 'all'],
        describe: 'print the composed config (like a Hydra app) instead of running',
      })
      .option('resolve', { type: 'boolean', default: false, describe: 'with --cfg: resolve interpolations first' })
      .option('package', { alias: 'p', type: 'string', describe: 'with --cfg: print only this node (dotted path)' }),
  run: async (args, io) => {
    const name = defaultTrainConfigName(args, overridesArg(args.overrides));
    const base = configArgs(args, io, name);
    const view = stringArg(args.cfg) as CfgView | undefined;
    if (view !== undefined) return printCfg(base, io, view, args);
    const dryRun = args['dry-run'] === true;
    const note = args['config-name'] === undefined && name === 'quickstart' ? QUICKSTART_NOTE : null;
    return args.multirun === true ? runSweep(base, io, dryRun, note) : runSingle(base, io, dryRun, note);
  },
};
