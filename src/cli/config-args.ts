/** Options shared by every command that composes a config: overrides, --config-path, --config-name. */
import path from 'node:path';
import type { Argv } from 'yargs';
import { parseStoreDir } from '../config/hydra/parse-store.js';
import { packageRoot } from '../util/package-root.js';
import type { CliIO } from './io.js';

/** The package's own config directory. */
export function defaultConfigDir(): string {
  return path.join(packageRoot(), 'config') + path.sep;
}

export function stringArg(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function overridesArg(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((v) => String(v));
}

export function withConfigArgs(y: Argv, defaultName: string): Argv {
  return y
    .positional('overrides', { type: 'string', array: true, describe: 'Hydra overrides: key=value, +key=value, ++key=value, ~key, group=option' })
    .option('config-path', { type: 'string', describe: "config directory (default: the package's config/)" })
    .option('config-name', { type: 'string', describe: `primary config name without .yaml (default: ${defaultName})` });
}

export interface ConfigArgs {
  configDir: string;
  configName: string;
  overrides: string[];
  /** The persistent parse store for this user (none when VERL_TS_CONFIG_CACHE=0). */
  parseStoreDir?: string;
}

export function configArgs(args: Record<string, unknown>, io: Pick<CliIO, 'cwd' | 'env'>, defaultName: string): ConfigArgs {
  return {
    configDir: path.resolve(io.cwd, stringArg(args['config-path']) ?? defaultConfigDir()),
    configName: stringArg(args['config-name']) ?? defaultName,
    overrides: overridesArg(args.overrides),
    parseStoreDir: parseStoreDir(io.env),
  };
}
