/**
 * Errors meant for the person running verl-ts. The CLI prints `message` (no stack trace) and exits with
 * `exitCode`. Anything that is not a UserError is a bug in verl-ts and is reported with its stack.
 */
export class UserError extends Error {
  readonly exitCode: number;
  constructor(message: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** A problem with configuration or command-line overrides: exit code 2, like a usage error. */
export class ConfigError extends UserError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { exitCode: 2, ...options });
  }
}

/** Bad input data (a dataset, a model directory, a JSONL file): exit code 1. */
export class InputError extends UserError {}

/** Narrow an unknown thrown value to a message, for wrapping third-party errors. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
