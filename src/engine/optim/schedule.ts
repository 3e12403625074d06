/** verl's learning-rate schedules (constant and cosine, with warmup) as a per-step LR factor. */
import { ConfigError } from '../../util/errors.js';

export type LrSchedulerType = 'constant' | 'cosine';

/** verl's optim config, as typed options (verl key in brackets). */
export interface LrScheduleOptions {
  /** [lr_scheduler_type] 'constant' (default) or 'cosine'. */
  readonly schedulerType?: LrSchedulerType;
  /** [total_training_steps] needed by cosine and by the warmup ratio. */
  readonly totalSteps: number;
  /** [lr_warmup_steps] used when ≥ 0; negative or absent delegates to the ratio (verl's legacy workers). */
  readonly warmupSteps?: number | null;
  /** [lr_warmup_steps_ratio] warmup = int(ratio · totalSteps) when warmupSteps < 0. */
  readonly warmupStepsRatio?: number;
  /** [min_lr_ratio] cosine floor, in [0, 1]. */
  readonly minLrRatio?: number | null;
  /** [num_cycles] cosine waves (0.5: one half-cosine down). */
  readonly numCycles?: number;
}

/** Number of warmup steps as verl computes it. */
export function warmupStepsOf(o: LrScheduleOptions): number {
  const steps = o.warmupSteps ?? -1;
  if (steps >= 0) return Math.trunc(steps);
  return Math.trunc((o.warmupStepsRatio ?? 0) * o.totalSteps);
}

/**
 * The LR multiplier after `step` scheduler steps (step 0 is the first update), matching verl's
 * get_constant_schedule_with_warmup / get_cosine_schedule_with_warmup (torch LambdaLR).
 */
export function lrFactor(o: LrScheduleOptions, step: number): number {
  const warmup = warmupStepsOf(o);
  const type = o.schedulerType ?? 'constant';
  if (type === 'constant') return step < warmup ? step / Math.max(1, warmup) : 1;
  if (type === 'cosine') {
    const min = o.minLrRatio ?? 0;
    if (step < warmup) return step / Math.max(1, warmup);
    const progress = (step - warmup) / Math.max(1, o.totalSteps - warmup);
    const x = Math.cos(Math.PI * (o.numCycles ?? 0.5) * 2 * progress);
    return Math.max(min, x * ((1 - min) * 0.5) + (1 + min) * 0.5);
  }
  throw new ConfigError(`lr_scheduler_type '${String(type)}' is not supported: use 'constant' or 'cosine'`);
}

/** Learning rate per step: base lr times the schedule's factor. */
export class LrScheduler {
  constructor(
    readonly baseLr: number,
    readonly options: LrScheduleOptions,
  ) {
    const type = options.schedulerType ?? 'constant';
    if (type !== 'constant' && type !== 'cosine') throw new ConfigError(`lr_scheduler_type '${String(type)}' is not supported: use 'constant' or 'cosine'`);
    const min = options.minLrRatio ?? 0;
    if (!(min >= 0 && min <= 1)) throw new ConfigError(`min_lr_ratio must be in [0, 1], got ${min}`);
    if (type === 'cosine' && !(options.totalSteps > 0)) throw new ConfigError(`the cosine LR schedule needs total_training_steps > 0, got ${options.totalSteps}`);
  }

  lr(step: number): number {
    return this.baseLr * lrFactor(this.options, step);
  }
}
