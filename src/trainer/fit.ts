/**
 * The PPO-family loop, verl's fit() top to bottom: validate before training, then per step (SPIN: reference ←
 * actor) → generate → (ReMax baseline) → balance → reward (DAPO: repeated until enough prompt groups vary) →
 * old log-probs → ref → values → advantages → critic update → (online DPO: preference pairs) → actor update →
 * dumps → validation → checkpoint → metrics. Every algorithm runs through here; what differs comes from the
 * registries' declarations (ctx.needs) and the config.
 */
import type { Batch } from '../data/batch.js';
import { engineRunStats } from '../engine/index.js';
import { throwIfNonFinite, NonFiniteGuard } from './guard.js';
import { dataMetrics, cpuMemoryMetrics, throughputMetrics, timingMetrics, varianceProxyMetrics } from './metrics.js';
import * as phase from './phases.js';
import { dumpRecords } from './dump-file.js';
import { trajectoryRecords } from './samples.js';
import { sampleStep } from './sampling.js';
import type { TrainingContext } from './context.js';
import { StepTimer } from './timer.js';
import { validate, type ValidationResult } from './validate.js';

export type Metrics = Record<string, number>;

/** What the loop needs from around it: data, logging, checkpoints, progress and interruption. */
export interface LoopServices {
  /** The next training batch of prompts, or null at the end of an epoch. */
  nextBatch(): Batch | null;
  /** The validation batches (a fresh pass each call). */
  valBatches(): Iterable<Batch>;
  log(metrics: Metrics, step: number): void;
  logGenerations(records: ValidationResult['records'], step: number): void;
  /** A validation finished (before training, or at a test_freq step). */
  onValidation(step: number, result: ValidationResult): void;
  /** Write a checkpoint of `step` (everything needed to resume after it); returns its folder. */
  saveCheckpoint(step: number): Promise<string>;
  /** The signal that asked the run to stop, if any (polled between phases). */
  interrupted(): string | null;
  /** Progress after each step (the phases' times are in the step's metrics). */
  onStepEnd(step: number, metrics: Metrics, skipped: string | null): void;
}

export interface LoopPlan {
  /** Steps already done (0, or the resumed checkpoint's step). */
  startStep: number;
  totalSteps: number;
  stepsPerEpoch: number;
}

export interface LoopResult {
  lastStep: number;
  valBefore: ValidationResult | null;
  valLast: ValidationResult | null;
  checkpoint: string | null;
  interruptedBy: string | null;
}

export async function fit(ctx: TrainingContext, plan: LoopPlan, io: LoopServices): Promise<LoopResult> {
  const t = ctx.config.trainer;
  const result: LoopResult = { lastStep: plan.startStep, valBefore: null, valLast: null, checkpoint: null, interruptedBy: null };
  if (t.val_before_train) {
    result.valBefore = await runValidation(ctx, io, plan.startStep);
    result.valLast = result.valBefore;
    if (t.val_only) return result;
  }
  const guard = new NonFiniteGuard();
  let lastSaved = plan.startStep;
  for (let step = plan.startStep + 1; step <= plan.totalSteps; step++) {
    const interrupted = io.interrupted();
    if (interrupted) {
      result.interruptedBy = interrupted;
      break;
    }
    const isLast = step >= plan.totalSteps;
    const timer = new StepTimer();
    const metrics: Metrics = {};
    const stepStart = performance.now();
    const engineStart = engineRunStats.seconds;
    const cpuStart = process.cpuUsage();

    phase.refreshReference(ctx, step);
    const sampled = await sampleStep(ctx, () => io.nextBatch(), step, timer);
    let batch = sampled.batch;
    Object.assign(metrics, sampled.metrics);
    if (ctx.needs.oldLogProbPass || ctx.needs.bypass) {
      const old = await timer.time('old_log_prob', () => phase.oldLogProbs(ctx, batch));
      batch = old.batch;
      Object.assign(metrics, old.metrics);
    }
    if (ctx.ref) batch = await timer.time('ref', () => phase.refLogProbs(ctx, batch));
    if (ctx.critic) batch = await timer.time('values', () => phase.values(ctx, batch));
    const adv = await timer.time('adv', () => phase.advantages(ctx, batch));
    batch = adv.batch;
    Object.assign(metrics, adv.metrics);

    let skipped: string | null = null;
    if (ctx.critic) {
      const critic = await timer.time('update_critic', () => phase.updateCritic(ctx, batch));
      Object.assign(metrics, critic.metrics);
      if (critic.stats) skipped ??= guard.record('critic', critic.stats);
    }
    // The step's trajectories (for metrics and dumps); a pair loss trains on (chosen, rejected) rows made from them.
    const trajectories = batch;
    let trainRows = batch;
    if (ctx.needs.preferencePairs) {
      const paired = phase.preferencePairs(ctx, batch);
      Object.assign(metrics, paired.metrics);
      trainRows = paired.batch;
      // A step whose prompts all tied has nothing to learn from (n > 2 only): no update, and the step says why.
      if (trainRows.size === 0 && t.critic_warmup <= step) {
        skipped ??= `no preference pair: every prompt's ${ctx.config.actor_rollout_ref.rollout.n} responses tied on reward (actor/dpo_pairs 0)`;
      }
    }
    let actorGradNorm: number | undefined;
    if (t.critic_warmup <= step && trainRows.size > 0) {
      const actor = await timer.time('update_actor', () => phase.updateActor(ctx, trainRows));
      Object.assign(metrics, actor.metrics);
      actorGradNorm = actor.metrics['actor/grad_norm'];
      skipped ??= guard.record('actor', actor.stats);
    }
    throwIfNonFinite(guard);

    if (t.rollout_data_dir !== null) {
      await timer.time('dump_rollout_generations', () => {
        dumpRecords(t.rollout_data_dir as string, step, trajectoryRecords(trajectories, ctx.tokenizer, phase.sequenceScores(trajectories), step, sampled.extras));
      });
    }
    if (t.test_freq > 0 && (isLast || step % t.test_freq === 0)) {
      const val = await timer.time('testing', () => runValidation(ctx, io, step, false));
      Object.assign(metrics, val.metrics);
      result.valLast = val;
    }
    const interruptedNow = io.interrupted();
    if (t.save_freq > 0 && (isLast || step % t.save_freq === 0 || interruptedNow)) {
      result.checkpoint = await timer.time('save_checkpoint', () => io.saveCheckpoint(step));
      lastSaved = step;
    }
    const stepSeconds = (performance.now() - stepStart) / 1000;
    timer.seconds.step = stepSeconds;
    Object.assign(
      metrics,
      dataMetrics(trajectories, ctx.critic !== null),
      timingMetrics(timer.seconds, trajectories),
      throughputMetrics(stepSeconds, trajectories),
      varianceProxyMetrics(trajectories, actorGradNorm),
      cpuMemoryMetrics(),
      { 'perf/engine_s': engineRunStats.seconds - engineStart, 'perf/cpu_s': cpuSecondsSince(cpuStart) },
      { 'training/global_step': step, 'training/epoch': Math.floor((step - 1) / plan.stepsPerEpoch) },
    );
    io.log(metrics, step);
    io.onStepEnd(step, metrics, skipped);
    result.lastStep = step;
    if (interruptedNow) {
      result.interruptedBy = interruptedNow;
      break;
    }
  }
  if (result.interruptedBy && lastSaved < result.lastStep && result.lastStep > plan.startStep) {
    result.checkpoint = await io.saveCheckpoint(result.lastStep);
  }
  return result;
}

async function runValidation(ctx: TrainingContext, io: LoopServices, step: number, log = true): Promise<ValidationResult> {
  const val = await validate(ctx, io.valBatches(), step);
  const t = ctx.config.trainer;
  if (t.validation_data_dir !== null) dumpRecords(t.validation_data_dir, step, val.records);
  if (t.log_val_generations > 0) io.logGenerations(val.records, step);
  if (log) io.log(val.metrics, step);
  io.onValidation(step, val);
  return val;
}

/**
 * CPU seconds (user + system, every thread of the process) since `start`. On a shared machine wall time swings with
 * other tenants' load; the CPU time a step needs swings much less.
 */
function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1e6;
}
