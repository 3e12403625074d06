/**
 * A step's trajectories, rewarded: one generation batch (verl's fit()), or DAPO's dynamic sampling
 * (algorithm.filter_groups, verl's recipe/dapo): generation batches of data.gen_batch_size prompts are rewarded
 * and only the prompt groups whose filter metric varies are kept, until train_batch_size prompts are kept.
 */
import { Batch } from '../data/batch.js';
import { maskedRowSums } from '../algos/index.js';
import { ConfigError, UserError } from '../util/errors.js';
import { didYouMean } from '../util/suggest.js';
import { matOf } from './columns.js';
import type { TrainingContext } from './context.js';
import * as phase from './phases.js';
import type { StepTimer } from './timer.js';

export type Metrics = Record<string, number>;
export type Extras = Record<string, unknown[]>;

export interface SampledStep {
  batch: Batch;
  /** The reward manager's per-row extras, in the batch's row order (for the rollout dumps). */
  extras: Extras;
  metrics: Metrics;
}

/** The next batch of prompts, starting a new epoch when the current one is used up. */
export type PromptSource = () => Batch | null;

function nextPrompts(source: PromptSource): Batch {
  const prompts = source() ?? source();
  if (prompts === null) throw new Error('the train dataloader yielded no batch at the start of an epoch');
  return prompts;
}

function takeExtras(extras: Extras, rows: readonly number[]): Extras {
  return Object.fromEntries(Object.entries(extras).map(([k, v]) => [k, rows.map((i) => v[i])]));
}

/** Generate (+ ReMax's baseline rollout) and reward one generation batch. */
async function generateAndReward(ctx: TrainingContext, prompts: Batch, step: number, genBatch: number, timer: StepTimer, balance: boolean) {
  let batch = await timer.time('gen', () => phase.generate(ctx, prompts, step, genBatch));
  if (ctx.needs.estimator.baselineRollout) {
    const generated = batch;
    batch = await timer.time('gen_max', () => phase.baselineRollout(ctx, prompts, generated, step, genBatch));
  }
  const metrics: Metrics = {};
  if (balance) {
    const balanced = phase.balanceBatch(batch);
    batch = balanced.batch;
    Object.assign(metrics, balanced.metrics);
  }
  const rewarded = await timer.time('reward', () => phase.reward(ctx, batch));
  return { batch: rewarded.batch, extras: rewarded.extras, metrics: { ...metrics, ...rewarded.metrics } };
}

/** The filter metrics every run offers, besides the reward manager's extras (acc, score, ...). */
const SEQUENCE_METRICS = ['seq_reward', 'seq_final_reward'];

/**
 * Per-trajectory values of algorithm.filter_groups.metric: seq_reward (Σ token_level_scores), seq_final_reward
 * (the same here: the KL penalty, when on, is applied after filtering and the config checks refuse that
 * combination), or a reward extra such as acc or score (booleans count as 1/0).
 */
export function filterMetricValues(metric: string, batch: Batch, extras: Extras): Float64Array {
  if (SEQUENCE_METRICS.includes(metric)) return maskedRowSums(matOf(batch, 'token_level_scores'), matOf(batch, 'response_mask'));
  const column = extras[metric];
  if (column === undefined) {
    const known = [...SEQUENCE_METRICS, ...Object.keys(extras)];
    throw new ConfigError(
      `algorithm.filter_groups.metric: '${metric}' is neither ${SEQUENCE_METRICS.join(' nor ')} nor a value the reward manager reports ` +
        `(it reports: ${Object.keys(extras).join(', ') || 'nothing'}; reward_model.reward_manager=dapo reports acc and score).` +
        didYouMean(metric, known),
    );
  }
  return Float64Array.from(column, (v, i) => {
    if (typeof v === 'boolean') return v ? 1 : 0;
    if (typeof v === 'number') return v;
    throw new ConfigError(`algorithm.filter_groups.metric: '${metric}' of row ${i} is ${JSON.stringify(v)}, not a number or boolean`);
  });
}

/**
 * verl's group filter: a prompt group (rows sharing a uid) is kept when its values are not all equal, or when
 * it has a single row. Returns the kept rows in batch order and how many groups were kept.
 */
export function keptGroupRows(uids: readonly unknown[], values: ArrayLike<number>): { rows: number[]; groups: number } {
  const groups = new Map<unknown, number[]>();
  uids.forEach((uid, i) => {
    const g = groups.get(uid);
    if (g) g.push(i);
    else groups.set(uid, [i]);
  });
  const kept = new Set<unknown>();
  for (const [uid, rows] of groups) {
    if (rows.length === 1 || rows.some((i) => values[i] !== values[rows[0]])) kept.add(uid);
  }
  return { rows: uids.flatMap((uid, i) => (kept.has(uid) ? [i] : [])), groups: kept.size };
}

/** The rewarded trajectories of one training step. */
export async function sampleStep(ctx: TrainingContext, source: PromptSource, step: number, timer: StepTimer): Promise<SampledStep> {
  const cfg = ctx.config;
  const fg = cfg.algorithm.filter_groups;
  if (!fg.enable) return generateAndReward(ctx, nextPrompts(source), step, 0, timer, cfg.trainer.balance_batch);

  const target = cfg.data.train_batch_size;
  const kept: Batch[] = [];
  const keptExtras: Extras[] = [];
  let keptPrompts = 0;
  let genBatches = 0;
  let metrics: Metrics = {};
  while (keptPrompts < target) {
    if (fg.max_num_gen_batches > 0 && genBatches >= fg.max_num_gen_batches) {
      throw new UserError(
        `dynamic sampling: ${genBatches} generation batches gave ${keptPrompts} of the ${target} prompts needed whose responses differ in ` +
          `'${fg.metric}' (algorithm.filter_groups.max_num_gen_batches=${fg.max_num_gen_batches}). Generated too many: the data may be too ` +
          'easy or too hard for the model; raise max_num_gen_batches, or set it to 0 for endless trials.',
      );
    }
    const sampled = await generateAndReward(ctx, nextPrompts(source), step, genBatches, timer, false);
    genBatches++;
    const values = filterMetricValues(fg.metric as string, sampled.batch, sampled.extras);
    const { rows, groups } = keptGroupRows(sampled.batch.column('uid'), values);
    kept.push(sampled.batch.take(rows));
    keptExtras.push(takeExtras(sampled.extras, rows));
    keptPrompts += groups;
    metrics = sampled.metrics;
  }
  // Rows are interleaved per prompt here (nothing is balanced yet), so the first train_batch_size·n rows are whole groups.
  const rows = target * cfg.actor_rollout_ref.rollout.n;
  let batch = Batch.concat(kept).slice(0, rows);
  let extras: Extras = Object.fromEntries(Object.keys(keptExtras[0]).map((k) => [k, keptExtras.flatMap((e) => e[k] ?? []).slice(0, rows)]));
  metrics['train/num_gen_batches'] = genBatches;
  if (cfg.trainer.balance_batch) {
    const balanced = phase.balanceBatch(batch);
    batch = balanced.batch;
    extras = takeExtras(extras, balanced.order);
    Object.assign(metrics, balanced.metrics);
  }
  return { batch, extras, metrics };
}
