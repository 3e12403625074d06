/**
 * A role's optimizer side: AdamW + verl's LR schedule from an `optim` config slice, and its save/load (moments in
 * safetensors layout, the scheduler position in JSON).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AdamW, LrScheduler, loadOptimizerState, saveOptimizerState } from '../engine/index.js';
import type { ParameterStore } from '../engine/index.js';
import { writeFileAtomicSync } from '../util/atomic-write.js';
import { InputError, errorMessage } from '../util/errors.js';

/** The `optim` keys a role reads (verl's names). */
export interface OptimSettings {
  lr: number;
  betas: readonly number[];
  eps: number;
  weight_decay: number;
  lr_warmup_steps: number | null;
  lr_warmup_steps_ratio: number;
  lr_scheduler_type: string;
  min_lr_ratio: number | null;
  num_cycles: number;
}

export interface OptimizerSide {
  optimizer: AdamW;
  scheduler: LrScheduler;
}

export function optimizerFor(params: ParameterStore, optim: OptimSettings, totalSteps: number): OptimizerSide {
  const optimizer = new AdamW(params, {
    lr: optim.lr,
    betas: [optim.betas[0] ?? 0.9, optim.betas[1] ?? 0.999],
    eps: optim.eps,
    weightDecay: optim.weight_decay,
  });
  const scheduler = new LrScheduler(optim.lr, {
    schedulerType: optim.lr_scheduler_type as 'constant' | 'cosine',
    totalSteps,
    warmupSteps: optim.lr_warmup_steps,
    warmupStepsRatio: optim.lr_warmup_steps_ratio,
    minLrRatio: optim.min_lr_ratio,
    numCycles: optim.num_cycles,
  });
  return { optimizer, scheduler };
}

const OPTIM_FILE = 'optimizer.safetensors';
const SCHEDULER_FILE = 'lr_scheduler.json';

export function saveOptimizer(dir: string, side: OptimizerSide, schedulerStep: number): void {
  saveOptimizerState(side.optimizer, path.join(dir, OPTIM_FILE));
  writeFileAtomicSync(path.join(dir, SCHEDULER_FILE), `${JSON.stringify({ step: schedulerStep, base_lr: side.scheduler.baseLr })}\n`);
}

/** Restore the moments and return the scheduler position saved with them. */
export function loadOptimizer(dir: string, side: OptimizerSide): number {
  loadOptimizerState(side.optimizer, path.join(dir, OPTIM_FILE));
  const file = path.join(dir, SCHEDULER_FILE);
  try {
    const step = (JSON.parse(readFileSync(file, 'utf8')) as { step?: unknown }).step;
    if (typeof step !== 'number' || !Number.isInteger(step) || step < 0) throw new Error(`"step" is ${JSON.stringify(step)}`);
    return step;
  } catch (e) {
    throw new InputError(`cannot read the LR scheduler state '${file}': ${errorMessage(e)}`);
  }
}
