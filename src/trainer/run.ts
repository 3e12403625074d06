/**
 * runTraining: what `verl-ts train` calls with a validated config. Builds the workers (the actor's CausalLM shared
 * with the rollout, a frozen reference copy, a critic when needed), the data loaders and reward functions,
 * resumes from a checkpoint when one applies, runs the loop, and closes loggers and checkpoints cleanly on
 * every exit path.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { createKlController } from '../algos/index.js';
import type { PpoTrainerConfig } from '../config/schema/ppo-trainer.js';
import { createRLDataLoaders, dataConfigFromSection } from '../data/index.js';
import { Engine } from '../engine/index.js';
import { CausalLM, ValueModel, type Tokenizer } from '../models/index.js';
import { loadRewardManager, rewardConfigFromSections } from '../reward/index.js';
import { Rng } from '../util/rng.js';
import { ActorWorker, CriticWorker, LocalRollout, RefWorker, optimizerFor } from '../workers/index.js';
import { resolveResume, saveCheckpoint, type CheckpointPart } from './checkpoint.js';
import type { TrainingContext } from './context.js';
import { fit, type LoopResult } from './fit.js';
import { createLoggers } from './loggers/index.js';
import { runNeedsOf } from './options.js';
import { StepReporter } from './progress.js';
import { installInterruptHandler } from './signals.js';
import { readTrainerState, writeTrainerState, type TrainerState } from './state.js';

export interface TrainIO {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Progress bars when the terminal is interactive; plain lines otherwise. */
  isTTY?: boolean;
  /** Install SIGINT/SIGTERM handlers (the CLI does; tests drive interruption themselves). */
  handleSignals?: boolean;
}

export interface TrainingSummary {
  steps: number;
  totalSteps: number;
  resumedFrom: number;
  valBefore: number | null;
  valAfter: number | null;
  seconds: number;
  runDir: string;
  checkpoint: string | null;
  metricsOutputs: readonly { logger: string; path: string }[];
  interruptedBy: string | null;
  /** trainer.val_only: validated and stopped. */
  valOnly: boolean;
}

/** Exit codes of a run stopped by SIGINT / SIGTERM after its checkpoint was written. */
export const SIGNAL_EXIT_CODES: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

export async function runTraining(config: PpoTrainerConfig, o: { runDir: string; io: TrainIO }): Promise<TrainingSummary> {
  const started = performance.now();
  const { io } = o;
  const abs = (p: string) => path.resolve(io.cwd, p);
  const t = config.trainer;
  const arr = config.actor_rollout_ref;
  const needs = runNeedsOf(config);
  const checkpointRoot = abs(t.default_local_dir);
  const resume = resolveResume({ mode: t.resume_mode, root: checkpointRoot, resumeFromPath: t.resume_from_path, cwd: io.cwd, warn: (line) => io.stderr(`warning: ${line}\n`) });

  const engine = new Engine({ device: t.device, intraOpNumThreads: t.intra_op_num_threads ?? undefined });
  const runtime = { engine, savePolicy: arr.model.enable_gradient_checkpointing ? ('layer-inputs' as const) : undefined };
  const modelPath = abs(arr.model.path);
  // The weights change every step, so a decode session with frozen weights would be rebuilt every step; building
  // it costs more than feeding the weights to each decode run (measured with bench/loop.ts).
  const actorModel = CausalLM.fromDir(resume ? path.join(resume.dir, 'actor') : modelPath, { ...runtime, tokenizer: 'required', freezeDecodeWeights: false });
  const tokenizer = actorModel.tokenizer as Tokenizer;
  try {
    const loaders = await createRLDataLoaders(dataConfigFromSection(config.data), tokenizer, { cwd: io.cwd });
    const stepsPerEpoch = loaders.train.batchesPerEpoch;
    const totalSteps = t.total_training_steps ?? stepsPerEpoch * t.total_epochs;

    const actor = new ActorWorker(actorModel, optimizerFor(actorModel.parameters(), arr.actor.optim, totalSteps), {
      temperature: arr.rollout.temperature,
      trainingEntropy: needs.trainingEntropy,
    });
    // The reference is the initial policy, also after a resume, unless it follows the actor (ref_update_freq):
    // then checkpoints hold its weights as of the last update.
    const refUpdates = t.ref_update_freq > 0;
    const refPath = resume ? (refUpdates ? path.join(resume.dir, 'ref') : modelPath) : null;
    const ref = needs.reference ? new RefWorker(refPath ? CausalLM.fromDir(refPath, { ...runtime, tokenizer: 'none' }) : actorModel.copy(), arr.rollout.temperature) : null;
    let critic: CriticWorker | null = null;
    if (needs.critic) {
      const criticPath = resume ? path.join(resume.dir, 'critic') : abs(config.critic.model.path as string);
      const model = ValueModel.fromDir(criticPath, { ...runtime, seed: config.data.seed ?? 0 });
      critic = new CriticWorker(model, optimizerFor(model.parameters(), config.critic.optim, totalSteps));
    }
    const rewardConfig = rewardConfigFromSections(config);
    const ctx: TrainingContext = {
      config,
      needs,
      tokenizer,
      actor,
      rollout: new LocalRollout(actorModel),
      ref,
      critic,
      rewardFn: await loadRewardManager(rewardConfig, tokenizer, { numExamine: 0, cwd: io.cwd }),
      valRewardFn: await loadRewardManager(rewardConfig, tokenizer, { numExamine: 0, cwd: io.cwd }),
      klController: config.algorithm.use_kl_in_reward
        ? createKlController({ type: config.algorithm.kl_ctrl.type, klCoef: config.algorithm.kl_ctrl.kl_coef, horizon: config.algorithm.kl_ctrl.horizon, targetKl: config.algorithm.kl_ctrl.target_kl })
        : null,
      lossRng: new Rng(config.data.seed ?? 0),
    };

    let startStep = 0;
    if (resume) {
      const state = readTrainerState(path.join(resume.dir, 'trainer_state'));
      startStep = state.global_step;
      loaders.train.loadState(state.dataloader);
      actor.loadOptimizer(path.join(resume.dir, 'actor'));
      critic?.loadOptimizer(path.join(resume.dir, 'critic'));
      if (ctx.klController && state.kl_coef !== null) (ctx.klController as { value: number }).value = state.kl_coef;
      ctx.lossRng = Rng.fromState(state.loss_rng);
      io.stdout(`Resumed from ${resume.dir} (step ${startStep} of ${totalSteps}).\n`);
      if (t.del_local_ckpt_after_load) {
        // Everything is in memory now (verl's del_local_ckpt_after_load frees the disk).
        rmSync(resume.dir, { recursive: true, force: true });
        io.stdout(`Deleted ${resume.dir} after loading it (trainer.del_local_ckpt_after_load).\n`);
      }
    }

    const loggers = createLoggers(t.logger, { runDir: o.runDir, projectName: t.project_name, experimentName: t.experiment_name, env: io.env, write: io.stdout });
    const reporter = new StepReporter({ totalSteps, startStep, write: io.stderr, isTTY: io.isTTY === true });
    const signals = io.handleSignals
      ? installInterruptHandler({
          onFirst: (sig) => io.stderr(`\n${sig}: finishing the current step, then writing a checkpoint (press Ctrl-C again to exit at once)...\n`),
          onSecond: (sig) => io.stderr(`\n${sig} again: exiting now; the last complete checkpoint in ${checkpointRoot} is kept.\n`),
        })
      : null;
    const parts = (step: number): CheckpointPart[] => {
      const list: CheckpointPart[] = [{ name: 'actor', maxToKeep: t.max_actor_ckpt_to_keep, save: (dir) => actor.save(dir) }];
      if (critic) list.push({ name: 'critic', maxToKeep: t.max_critic_ckpt_to_keep, save: (dir) => (critic as CriticWorker).save(dir) });
      if (ref && refUpdates) list.push({ name: 'ref', maxToKeep: t.max_actor_ckpt_to_keep, save: async (dir) => void (await ref.model.save(dir, { dtype: 'float32' })) });
      list.push({
        name: 'trainer_state',
        kind: 'state',
        save: async (dir) => {
          const state: TrainerState = {
            format: 'verl-ts-trainer-state/1',
            global_step: step,
            dataloader: loaders.train.state(),
            kl_coef: ctx.klController ? ctx.klController.value : null,
            loss_rng: ctx.lossRng.getState(),
          };
          writeTrainerState(dir, state);
        },
      });
      return list;
    };
    let result: LoopResult;
    try {
      if (startStep >= totalSteps && !t.val_only) {
        io.stdout(`Nothing to train: the checkpoint in ${checkpointRoot} is at step ${startStep} of ${totalSteps}. Set trainer.resume_mode=disable to start over, or raise trainer.total_epochs / trainer.total_training_steps.\n`);
      }
      result = await fit(ctx, { startStep, totalSteps, stepsPerEpoch }, {
        nextBatch: () => loaders.train.next(),
        // The validation loader is never left mid-epoch, so each call yields one full pass.
        valBatches: () => loaders.val.epochBatches(),
        log: (metrics, step) => loggers.log(metrics, step),
        logGenerations: (records, step) => loggers.logGenerations(records.slice(0, t.log_val_generations), step),
        saveCheckpoint: (step) => saveCheckpoint(checkpointRoot, step, parts(step)),
        interrupted: () => signals?.interrupted() ?? null,
        onValidation: (step, val) => reporter.validation(step, val.metrics),
        onStepEnd: (step, metrics, skipped) => reporter.stepEnd(step, metrics, skipped),
      });
    } finally {
      reporter.stop();
      signals?.dispose();
      await loggers.close();
    }
    const summary: TrainingSummary = {
      steps: result.lastStep - startStep,
      totalSteps,
      resumedFrom: startStep,
      valBefore: result.valBefore?.coreScore ?? null,
      valAfter: result.valLast?.coreScore ?? null,
      seconds: (performance.now() - started) / 1000,
      runDir: o.runDir,
      checkpoint: result.checkpoint,
      metricsOutputs: loggers.outputs,
      interruptedBy: result.interruptedBy,
      valOnly: t.val_only,
    };
    return summary;
  } finally {
    await engine.dispose();
  }
}

/** The closing lines a user reads: val before → after, steps, time, where the run, metrics and checkpoint are. */
export function formatSummary(s: TrainingSummary): string {
  const f = (x: number | null) => (x === null || Number.isNaN(x) ? '—' : x.toFixed(3));
  const lines = [
    '',
    s.valOnly
      ? `Validation only (trainer.val_only): nothing was trained.`
      : s.interruptedBy
        ? `Training interrupted by ${s.interruptedBy} after step ${s.resumedFrom + s.steps} of ${s.totalSteps}.`
        : `Training finished: ${s.resumedFrom + s.steps} of ${s.totalSteps} steps.`,
    `  validation reward: ${f(s.valBefore)} -> ${f(s.valAfter)}`,
    `  steps this run: ${s.steps}${s.resumedFrom ? ` (resumed at step ${s.resumedFrom})` : ''}, time ${s.seconds.toFixed(1)} s`,
    `  run directory: ${s.runDir}`,
  ];
  for (const out of s.metricsOutputs) lines.push(`  ${out.logger} metrics: ${out.path}`);
  if (s.checkpoint) lines.push(`  checkpoint: ${s.checkpoint}`);
  if (s.interruptedBy && s.checkpoint) lines.push(`  resume with the same command (trainer.resume_mode=auto picks up ${path.dirname(s.checkpoint)})`);
  return `${lines.join('\n')}\n`;
}

