/**
 * The one optimizer loop of every trainable role (actor, critic, SFT): ppo_epochs passes over a batch, each
 * cut into mini-batches (one optimizer step each) and micro-batches (gradient accumulation), as verl's legacy
 * workers do. The model side (forward with a tape, backward) and the objective (loss, its gradient with respect
 * to the model outputs, metrics) are passed in, so this loop knows neither the model nor the algorithm.
 */
import type { Batch } from '../data/batch.js';
import type { AdamW, LrScheduler } from '../engine/index.js';
import { GradAccumulator } from '../engine/index.js';
import type { ParameterGradients } from '../models/index.js';
import { Rng } from '../util/rng.js';
import { microBatches, type MicroBatching } from './micro-batches.js';

/** A forward pass with its outputs and the backward that turns an upstream gradient into parameter gradients. */
export interface TrainingPass<Out, Up> {
  outputs: Out;
  backward(upstream: Up): Promise<ParameterGradients>;
}

/** What an objective returns for one micro-batch: its loss, d loss / d outputs, and metrics. */
export interface ObjectiveResult<Up> {
  loss: number;
  upstream: Up;
  /** Averaged over micro-batches (max/min keys by their extreme, as verl's reduce_metrics). */
  metrics: Record<string, number>;
  /** Summed as value·scale over all micro-batches, mini-batches and epochs (verl's pg_loss, kl_loss, vf_loss). */
  sums?: Record<string, number>;
}

/**
 * An objective over one micro-batch. `scale` is the micro-batch's share of its mini-batch (1/grad_accum, or
 * rows/mini-batch rows with token packing): the objective multiplies its loss gradient by it, which is how the
 * mini-batch gradient becomes the mean over micro-batches.
 */
export type Objective<Out, Up> = (micro: Batch, outputs: Out, scale: number) => ObjectiveResult<Up>;

export interface UpdatePlan {
  /** Rows per mini-batch (one optimizer step). */
  miniBatchRows: number;
  microBatching: MicroBatching;
  /** Passes over the batch (ppo_epochs). */
  epochs: number;
  /** Shuffle rows before cutting mini-batches, with `seed` + the update count (actor.shuffle). */
  shuffle: boolean;
  seed: number;
  /** Clip the global gradient norm to this (grad_clip); null: no clipping. */
  gradClip: number | null;
  /** The config key of the token budget, for messages. */
  budgetKey?: string;
  /**
   * Consecutive rows that belong together (2 for preference pairs): shuffling moves whole units. Mini- and
   * micro-batch sizes are multiples of it (the config checks say so).
   */
  rowsPerUnit?: number;
}

/** Row order for one epoch: shuffled whole units of `unit` consecutive rows. */
export function shuffledRows(size: number, unit: number, rng: Rng): number[] {
  return rng.permutation(Math.ceil(size / unit)).flatMap((u) => Array.from({ length: unit }, (_, k) => u * unit + k).filter((i) => i < size));
}

export interface UpdateStats {
  /** Σ over micro-batches of loss·scale, over all mini-batches and epochs. */
  lossSum: number;
  /** The objective's `sums`, accumulated the same way. */
  sums: Record<string, number>;
  /** Per micro-batch metrics, per key. */
  microMetrics: Record<string, number[]>;
  /** Global gradient norm of every mini-batch (before clipping). */
  gradNorms: number[];
  /** Optimizer steps not taken because the loss or the gradient norm was not finite. */
  skipped: number;
  /** The first non-finite quantity of this update, e.g. "loss" or "grad_norm". */
  firstNonFinite: string | null;
  lr: number;
}

/** Something with an optimizer and an LR schedule that trains through TrainingPasses. */
export interface Trainable<Out, Up> {
  readonly optimizer: AdamW;
  readonly scheduler: LrScheduler;
  /** Scheduler steps taken so far (verl steps it once per update call). */
  schedulerStep: number;
  trainingPass(micro: Batch): Promise<TrainingPass<Out, Up>>;
}

export async function runUpdate<Out, Up>(role: Trainable<Out, Up>, batch: Batch, objective: Objective<Out, Up>, plan: UpdatePlan): Promise<UpdateStats> {
  const lr = role.scheduler.lr(role.schedulerStep);
  const stats: UpdateStats = { lossSum: 0, sums: {}, microMetrics: {}, gradNorms: [], skipped: 0, firstNonFinite: null, lr };
  const acc = new GradAccumulator();
  for (let epoch = 0; epoch < plan.epochs; epoch++) {
    const rng = new Rng(plan.seed + role.schedulerStep * 1000 + epoch);
    const unit = plan.rowsPerUnit ?? 1;
    const rows = plan.shuffle ? batch.take(unit === 1 ? rng.permutation(batch.size) : shuffledRows(batch.size, unit, rng)) : batch;
    for (const mini of rows.split(plan.miniBatchRows)) {
      acc.zero();
      let finiteLoss = true;
      const micros = microBatches(mini, plan.microBatching, plan.budgetKey);
      for (const micro of micros) {
        const scale = 'rows' in plan.microBatching ? 1 / micros.length : micro.size / mini.size;
        const pass = await role.trainingPass(micro);
        const result = objective(micro, pass.outputs, scale);
        for (const [k, v] of Object.entries(result.metrics)) (stats.microMetrics[k] ??= []).push(v);
        if (!Number.isFinite(result.loss)) {
          finiteLoss = false;
          stats.firstNonFinite ??= 'loss';
          continue;
        }
        stats.lossSum += result.loss * scale;
        for (const [k, v] of Object.entries(result.sums ?? {})) stats.sums[k] = (stats.sums[k] ?? 0) + v * scale;
        acc.add(await pass.backward(result.upstream));
      }
      if (!finiteLoss || acc.microBatches === 0) {
        stats.skipped++;
        continue;
      }
      const step = role.optimizer.step(acc.grads, { lr, maxGradNorm: plan.gradClip ?? undefined });
      stats.gradNorms.push(step.gradNorm);
      if (step.skipped) {
        stats.skipped++;
        stats.firstNonFinite ??= 'grad_norm';
      }
    }
  }
  acc.zero();
  role.schedulerStep++;
  return stats;
}
