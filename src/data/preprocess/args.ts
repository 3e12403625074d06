/** Typed access to a preprocessor's parsed flags, with errors naming the flag. */
import { ConfigError } from '../../util/errors.js';
import type { PreprocessArgs } from './types.js';

export function intArg(args: PreprocessArgs, name: string, fallback: number, min?: number, max?: number): number {
  const raw = args[name] ?? fallback;
  const v = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ConfigError(`--${name}: expected an integer, got '${String(raw)}'`);
  if (min !== undefined && v < min) throw new ConfigError(`--${name}: must be at least ${min}, got ${v}`);
  if (max !== undefined && v > max) throw new ConfigError(`--${name}: must be at most ${max}, got ${v}`);
  return v;
}

export function numberArg(args: PreprocessArgs, name: string, fallback: number, min?: number, max?: number): number {
  const raw = args[name] ?? fallback;
  const v = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ConfigError(`--${name}: expected a number, got '${String(raw)}'`);
  if (min !== undefined && v < min) throw new ConfigError(`--${name}: must be at least ${min}, got ${v}`);
  if (max !== undefined && v > max) throw new ConfigError(`--${name}: must be at most ${max}, got ${v}`);
  return v;
}

export function choiceArg<T extends string>(args: PreprocessArgs, name: string, fallback: T, choices: readonly T[]): T {
  const v = args[name] ?? fallback;
  if (typeof v !== 'string' || !choices.includes(v as T)) throw new ConfigError(`--${name}: expected one of ${choices.join(', ')}, got '${String(v)}'`);
  return v as T;
}
