/**
 * From command line to a typed config: compose (Hydra rules), resolve interpolations, load the plugins the
 * config names (they may register estimators, losses, reward managers), validate against the schema with the
 * live registry names, then run the schema's cross-field checks.
 */
import { compose, flatten, toPlain } from './index.js';
import type { ComposeOptions, ComposeResult } from './index.js';
import type { RegistryKind, Schema } from './schema/dsl.js';
import { checkPpoConfig } from './schema/ppo-checks.js';
import type { AlgorithmNeedsLookup, CheckResult } from './schema/ppo-checks.js';
import { ppoTrainerSchema } from './schema/ppo-trainer.js';
import type { PpoTrainerConfig } from './schema/ppo-trainer.js';
import { ConfigValidationError, schemaIssues } from './schema/validate.js';
import type { SourceLookup } from './schema/validate.js';
import { loadUserModule } from '../util/load-user-module.js';

export interface LoadConfigOptions extends ComposeOptions {
  /** Folder that relative plugin paths are resolved against. */
  cwd: string;
  /** Names currently registered in each user-extensible registry (read after plugins load). */
  registryNames: (kind: RegistryKind) => readonly string[];
}

export interface LoadedConfig<T> {
  config: T;
  composed: ComposeResult;
  warnings: string[];
  sourceOf: SourceLookup;
}

/** Map each dotted key to where its value was set (file:line or the override text). */
export function sourceLookup(composed: ComposeResult): SourceLookup {
  const sources = new Map<string, string>();
  for (const entry of flatten(composed.config)) sources.set(entry.key, entry.source);
  return (key) => {
    // A key that is not a leaf (e.g. a whole section) takes the source of its first leaf.
    const direct = sources.get(key);
    if (direct !== undefined) return direct;
    for (const [k, v] of sources) if (k.startsWith(`${key}.`)) return v;
    return undefined;
  };
}

export async function loadConfig<T>(
  schema: Schema<T>,
  options: LoadConfigOptions,
  checks?: (config: T) => CheckResult,
): Promise<LoadedConfig<T>> {
  const composed = compose(options);
  const plain = toPlain(composed.config, { resolve: true });
  const sourceOf = sourceLookup(composed);
  await loadPlugins(plain, options.cwd, sourceOf);
  const issues = schemaIssues(plain, schema, { mode: 'validate', registryNames: options.registryNames });
  if (issues.length > 0) throw new ConfigValidationError(issues, sourceOf);
  const config = plain as T;
  const result = checks?.(config) ?? { errors: [], warnings: [] };
  if (result.errors.length > 0) throw new ConfigValidationError(result.errors, sourceOf);
  return { config, composed, warnings: [...composed.warnings, ...result.warnings], sourceOf };
}

export interface LoadTrainerConfigOptions extends LoadConfigOptions {
  /** What the registered estimators and losses declared they need (read after plugins load). */
  algorithmNeeds: AlgorithmNeedsLookup;
}

/** The PPO-family trainer config (config/ppo_trainer.yaml or a tree like it), with verl's start-up checks. */
export function loadTrainerConfig(options: LoadTrainerConfigOptions): Promise<LoadedConfig<PpoTrainerConfig>> {
  return loadConfig(ppoTrainerSchema, options, (config) => checkPpoConfig(config, options.algorithmNeeds));
}

async function loadPlugins(plain: unknown, cwd: string, sourceOf: SourceLookup): Promise<void> {
  const plugins = (plain as { plugins?: unknown } | null)?.plugins;
  if (plugins === undefined || plugins === null) return;
  if (!Array.isArray(plugins) || plugins.some((p) => typeof p !== 'string')) {
    throw new ConfigValidationError([{ key: 'plugins', message: 'expected a list of module paths (.js or .ts)' }], sourceOf);
  }
  for (const path of plugins as string[]) await loadUserModule(path, { cwd, what: 'plugins' });
}
