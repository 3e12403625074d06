/**
 * The report header of one run: what was trained (experiment, algorithm, model, data), how far it got, how long
 * it took, its validation scores, and the batch sizes its config implies.
 */
import type { PlainValue } from '../config/index.js';
import { roleBatchSizes, type RoleBatchSizes } from '../config/schema/batch-sizes.js';
import { configValue, type PlainDict, type RunDir } from './run-dir.js';

export interface ValidationScore {
  key: string;
  final: number;
  finalStep: number;
  best: number;
  bestStep: number;
}

export interface RunSummary {
  /** [label, text] rows, in display order. */
  facts: Array<[string, string]>;
  /** Steps with metrics from training (step 0 holds only validation before training). */
  stepsDone: number;
  plannedSteps: number | null;
  finished: boolean;
  /** What the header says about a run that has not reached its last step. */
  progressNote: string | null;
  validation: ValidationScore[];
  batchSizes: string[];
}

/** Validation curves: verl's core metrics first (`val-core/<data_source>/<var>/<metric>`). */
export function validationKeys(keys: Iterable<string>): string[] {
  return [...keys].filter((k) => k.startsWith('val-core/')).sort();
}

export function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s - m * 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

function text(v: PlainValue | undefined): string {
  if (v === undefined) return '—';
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint') return v.toString();
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
}

function num(config: PlainDict, key: string): number | null {
  const v = configValue(config, key);
  return typeof v === 'number' ? v : null;
}

function klText(config: PlainDict): string {
  const parts: string[] = [];
  if (configValue(config, 'actor_rollout_ref.actor.use_kl_loss') === true) {
    parts.push(`KL loss ${text(configValue(config, 'actor_rollout_ref.actor.kl_loss_type'))} × ${text(configValue(config, 'actor_rollout_ref.actor.kl_loss_coef'))}`);
  }
  if (configValue(config, 'algorithm.use_kl_in_reward') === true) {
    parts.push(
      `KL in reward ${text(configValue(config, 'algorithm.kl_penalty'))} × ${text(configValue(config, 'algorithm.kl_ctrl.kl_coef'))} (${text(configValue(config, 'algorithm.kl_ctrl.type'))} controller)`,
    );
  }
  return parts.length ? parts.join('; ') : 'none';
}

function describeRole(name: string, r: RoleBatchSizes, epochs: number): string {
  const micro = r.microBatchesPerMiniBatch === null ? 'micro-batches packed by tokens' : `${r.microBatchesPerMiniBatch} micro-batch(es) of ${r.trajectoriesPerMicroBatch}`;
  return `${name}: ${r.miniBatchesPerEpoch} mini-batch(es) of ${r.trajectoriesPerMiniBatch} trajectories × ${epochs} epoch(s) = ${r.optimizerStepsPerTrainingStep} optimizer step(s) per training step; ${micro}`;
}

/** verl's batch arithmetic on the run's own config; the critic's when the run logged critic updates. */
function batchSizes(config: PlainDict, hasCritic: boolean): string[] {
  const prompts = num(config, 'data.train_batch_size');
  const n = num(config, 'actor_rollout_ref.rollout.n');
  if (prompts === null || n === null) return [];
  const lines = [`per training step: ${prompts} prompts × ${n} samples = ${prompts * n} responses`];
  const roles: Array<[string, string]> = [['actor', 'actor_rollout_ref.actor']];
  if (hasCritic) roles.push(['critic', 'critic']);
  for (const [name, prefix] of roles) {
    const mini = num(config, `${prefix}.ppo_mini_batch_size`);
    const epochs = num(config, `${prefix}.ppo_epochs`) ?? 1;
    if (mini === null || mini <= 0) continue;
    const micro = num(config, `${prefix}.ppo_micro_batch_size_per_gpu`) ?? num(config, `${prefix}.ppo_micro_batch_size`);
    const dynamic = configValue(config, `${prefix}.use_dynamic_bsz`) === true;
    lines.push(describeRole(name, roleBatchSizes(prompts, n, mini, micro, dynamic, epochs), epochs));
  }
  return lines;
}

function validationScores(run: RunDir): ValidationScore[] {
  const { steps, series } = run.metrics;
  const out: ValidationScore[] = [];
  for (const key of validationKeys(Object.keys(series))) {
    let score: ValidationScore | null = null;
    for (let i = 0; i < steps.length; i++) {
      const v = series[key][i];
      if (v === null) continue;
      if (score === null) score = { key, final: v, finalStep: steps[i], best: v, bestStep: steps[i] };
      score.final = v;
      score.finalStep = steps[i];
      if (v > score.best) Object.assign(score, { best: v, bestStep: steps[i] });
    }
    if (score !== null) out.push(score);
  }
  return out;
}

/** The header of a run, read at time `now` (ms since the epoch): a run short of its last step is said to be still going or stopped. */
export function summarizeRun(run: RunDir, now: number): RunSummary {
  const { config, metrics } = run;
  const trained = metrics.steps.filter((s, i) => s > 0 && metrics.series['training/global_step']?.[i] != null);
  const stepsDone = trained.length ? trained[trained.length - 1] : 0;
  const planned = run.plannedSteps;
  const finished = planned !== null && stepsDone >= planned;
  const age = formatSeconds(Math.max(0, (now - run.metricsWrittenAt) / 1000));
  const progressNote = finished
    ? null
    : `Not finished: ${stepsDone} of ${planned ?? '?'} steps logged; metrics last written ${age} ago. The run may still be going (this report shows what was there when it was made) or it was stopped${run.checkpointSteps.length ? `; the latest checkpoint is step ${run.checkpointSteps[run.checkpointSteps.length - 1]}` : ''}.`;
  const stepTimes = metrics.series['timing_s/step'] ?? [];
  const stepTotal = stepTimes.reduce<number>((a, v) => a + (v ?? 0), 0);
  const estimator = text(configValue(config, 'algorithm.adv_estimator'));
  const facts: Array<[string, string]> = [
    ['experiment', `${text(configValue(config, 'trainer.project_name'))} / ${text(configValue(config, 'trainer.experiment_name'))}`],
    ['run directory', run.dir],
    [
      'algorithm',
      `${estimator}; policy loss ${text(configValue(config, 'actor_rollout_ref.actor.policy_loss.loss_mode'))}; ` +
        `agg ${text(configValue(config, 'actor_rollout_ref.actor.loss_agg_mode'))}; KL: ${klText(config)}`,
    ],
    ['model', text(configValue(config, 'actor_rollout_ref.model.path'))],
    ['data', `train ${text(configValue(config, 'data.train_files'))}; validation ${text(configValue(config, 'data.val_files'))}`],
    ['steps', `${stepsDone} of ${planned ?? '?'}${finished ? ' (finished)' : ''}`],
    ['training time', `${formatSeconds(stepTotal)} (sum of timing_s/step)`],
    ['wall time', `${formatSeconds(Math.max(0, (run.metricsWrittenAt - run.startedAt) / 1000))} from the start of the run (its latest resume, if resumed) to its last metrics line`],
  ];
  if (!run.hasMetricsFile) facts.push(['metrics', `none: ${run.metricsFile} does not exist (the run's trainer.logger has no \`file\`)`]);
  if (run.checkpointSteps.length) facts.push(['checkpoints', `${run.checkpointSteps.map((s) => `global_step_${s}`).join(', ')} in ${run.checkpointDir}`]);
  return {
    facts,
    stepsDone,
    plannedSteps: planned,
    finished,
    progressNote,
    validation: validationScores(run),
    batchSizes: batchSizes(config, metrics.series['critic/vf_loss'] !== undefined),
  };
}
