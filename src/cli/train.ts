/**
 * `verl-ts train [overrides..] [-m]`: compose the trainer config (Hydra rules), load plugins, validate,
 * create the run directory with `.hydra/config.yaml` and `.hydra/overrides.yaml` as Hydra does, print the
 * derived batch sizes, then hand the typed config to the trainer. With `-m/--multirun`, every combination of
 * the sweep overrides runs as its own numbered job under `hydra.sweep.dir`.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Argv } from 'yargs';
import { compose, expandSweeps, plainToYaml, selectNode, toPlain, toYaml } from '../config/index.js';
import type { ComposeResult } from '../config/index.js';
import { deriveBatchSizes, formatBatchSizes } from '../config/schema/batch-sizes.js';
import type { PpoTrainerConfig } from '../config/schema/ppo-trainer.js';
import { loadTrainerConfig } from '../config/validate-config.js';
import { UserError } from '../util/errors.js';
import { writeFileAtomicSync } from '../util/atomic-write.js';
import type { CliCommand } from './command.js';
import { configArgs, overridesArg, withConfigArgs } from './config-args.js';
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

async function prepareJob(base: ConfigArgs, overrides: string[], io: CliIO, now: Date, jobNum?: number): Promise<TrainJob & { warnings: string[] }> {
  const loaded = await loadTrainerConfig({
    ...base,
    overrides,
    env: io.env,
    cwd: io.cwd,
    now,
    registryNames,
    algorithmNeeds,
    ...(jobNum === undefined ? {} : { mode: 'RUN' as const, job: { num: jobNum } }),
  });
  const runDir =
    jobNum === undefined
      ? path.resolve(io.cwd, hydraString(loaded.composed, 'run.dir'))
      : path.resolve(io.cwd, hydraString(loaded.composed, 'sweep.dir'), hydraString(loaded.composed, 'sweep.subdir'));
  writeRunRecord(runDir, loaded.composed);
  return { config: loaded.config, runDir, warnings: loaded.warnings };
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

async function runSingle(base: ConfigArgs, io: CliIO): Promise<number> {
  const job = await prepareJob(base, base.overrides, io, new Date());
  for (const w of job.warnings) io.stderr(`warning: ${w}\n`);
  io.stdout(`Run directory: ${job.runDir}\n`);
  return runJob(job, io);
}

interface SweepOutcome {
  num: number;
  overrides: string[];
  code: number;
  error?: string;
}

async function runSweep(base: ConfigArgs, io: CliIO): Promise<number> {
  const now = new Date();
  const sweepBase = compose({ ...base, env: io.env, cwd: io.cwd, now, mode: 'MULTIRUN' });
  const sweepDir = path.resolve(io.cwd, hydraString(sweepBase, 'sweep.dir'));
  const combos = expandSweeps(base.overrides, { configDir: base.configDir, cwd: io.cwd });
  mkdirSync(sweepDir, { recursive: true });
  writeFileAtomicSync(path.join(sweepDir, 'multirun.yaml'), toYaml(sweepBase.config));
  io.stdout(`Launching ${combos.length} job(s) in ${sweepDir}\n`);
  const outcomes: SweepOutcome[] = [];
  for (const [num, overrides] of combos.entries()) {
    io.stdout(`\n#${num} : ${overrides.join(' ')}\n`);
    try {
      const job = await prepareJob(base, overrides, io, now, num);
      for (const w of job.warnings) io.stderr(`warning: ${w}\n`);
      outcomes.push({ num, overrides, code: await runJob(job, io) });
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
  ],
  build: (y: Argv) =>
    withConfigArgs(y, 'quickstart, or ppo_trainer when your own model/data are set').option('multirun', {
      alias: 'm',
      type: 'boolean',
      default: false,
      describe: 'run every combination of sweep overrides (a,b / range() / choice()) as its own job',
    }),
  run: async (args, io) => {
    const name = defaultTrainConfigName(args, overridesArg(args.overrides));
    const base = configArgs(args, io.cwd, name);
    if (args['config-name'] === undefined && name === 'quickstart') {
      io.stderr('verl-ts train: no --config-name and no model/data of your own: training the embedded quickstart (config/quickstart.yaml). Name a config or set actor_rollout_ref.model.path and data.train_files for verl\'s ppo_trainer defaults.\n');
    }
    return args.multirun === true ? runSweep(base, io) : runSingle(base, io);
  },
};
