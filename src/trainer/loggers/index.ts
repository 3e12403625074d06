/** `trainer.logger`: builds the requested backends and fans every call out to all of them. */
import { ConfigError } from '../../util/errors.js';
import { didYouMean } from '../../util/suggest.js';
import { ConsoleLogger } from './console.js';
import { FileLogger, metricsFilePath } from './file.js';
import { TensorBoardLogger, tensorboardDir } from './tensorboard.js';
import type { GenerationSample, LoggerOptions, LoggerOutput, LoggerSet, MetricsLogger } from './types.js';

export type { GenerationSample, LoggerOptions, LoggerOutput, LoggerSet, MetricsLogger } from './types.js';
export { formatStepLine, formatGenerationsTable } from './console.js';
export { readMetricsJsonl, metricsFilePath, FILE_LOGGER_PATH_ENV, type MetricsRecord } from './file.js';
export { tensorboardDir, TENSORBOARD_DIR_ENV } from './tensorboard.js';

export const SUPPORTED_LOGGERS: readonly string[] = ['console', 'file', 'tensorboard'];

/** verl's backends that report to a service or need a Python package: named, so the error can say why. */
const VERL_ONLY_LOGGERS = ['wandb', 'mlflow', 'swanlab', 'vemlp_wandb', 'clearml', 'trackio', 'tracking'];

function unknownLogger(name: string): ConfigError {
  const supported = SUPPORTED_LOGGERS.join(', ');
  if (VERL_ONLY_LOGGERS.includes(name)) {
    return new ConfigError(`trainer.logger: '${name}' is a verl logger that verl-ts does not provide. Supported: ${supported}`);
  }
  return new ConfigError(`trainer.logger: unknown logger '${name}'. Supported: ${supported}.${didYouMean(name, SUPPORTED_LOGGERS)}`);
}

/**
 * One MetricsLogger for the names in `trainer.logger` (duplicates count once, order kept). Every name is
 * checked before any file is created, so a typo leaves nothing behind.
 */
export function createLoggers(names: readonly string[], o: LoggerOptions): LoggerSet {
  for (const name of names) if (!SUPPORTED_LOGGERS.includes(name)) throw unknownLogger(name);
  const loggers: MetricsLogger[] = [];
  const outputs: LoggerOutput[] = [];
  for (const name of new Set(names)) {
    if (name === 'console') loggers.push(new ConsoleLogger(o.write));
    else if (name === 'file') {
      const logger = new FileLogger(metricsFilePath(o));
      loggers.push(logger);
      outputs.push({ logger: name, path: logger.path });
    } else {
      const logger = new TensorBoardLogger(tensorboardDir(o), o.now);
      loggers.push(logger);
      outputs.push({ logger: name, path: logger.dir });
    }
  }
  return {
    outputs,
    log(metrics, step) {
      for (const l of loggers) l.log(metrics, step);
    },
    logGenerations(samples: readonly GenerationSample[], step: number) {
      for (const l of loggers) l.logGenerations?.(samples, step);
    },
    async close() {
      await Promise.all(loggers.map((l) => l.close()));
    },
  };
}
