/** What a metrics logger backend is: the trainer's one seam to console, JSONL and TensorBoard output. */

/** One validation sample shown by `trainer.log_val_generations`. */
export interface GenerationSample {
  input: string;
  output: string;
  score: number;
}

export interface MetricsLogger {
  /** One call per training step (and one for each validation-only log), with every metric of that step. */
  log(metrics: Record<string, number>, step: number): void;
  /** The `trainer.log_val_generations` table; backends without a place for text leave it out. */
  logGenerations?(samples: readonly GenerationSample[], step: number): void;
  /** Flush and close files. Nothing may be logged afterwards. */
  close(): Promise<void>;
}

export interface LoggerOptions {
  /** The run directory: default home of metrics.jsonl and tensorboard_log/. */
  runDir: string;
  projectName: string;
  experimentName: string;
  /** Environment to read VERL_FILE_LOGGER_PATH and TENSORBOARD_DIR from (normally process.env). */
  env: Record<string, string | undefined>;
  /** Console output; receives whole lines, each ending in '\n'. */
  write: (text: string) => void;
  /** Clock in milliseconds since the epoch (TensorBoard wall times, event file name); Date.now by default. */
  now?: () => number;
}

/** Where a file-writing logger puts its output, for the run summary. */
export interface LoggerOutput {
  logger: string;
  path: string;
}

/** Every logger a run asked for, behind one MetricsLogger. */
export interface LoggerSet extends MetricsLogger {
  logGenerations(samples: readonly GenerationSample[], step: number): void;
  readonly outputs: readonly LoggerOutput[];
}

/** Steps are verl's global_steps: non-negative integers. A bad one is a bug in the caller. */
export function checkStep(step: number): void {
  if (!Number.isSafeInteger(step) || step < 0) throw new RangeError(`metrics logger: step must be a non-negative integer, got ${step}`);
}
