/**
 * From command line to a typed config: compose (Hydra rules), resolve interpolations, load the plugins the
 * config names (they may register estimators, losses, reward managers), validate against the schema with the
 * live registry names, then run the schema's cross-field checks. Every problem found on the way (overrides
 * that do not apply, schema errors, missing files) is reported together in one ConfigValidationError.
 */
import { compose, flatten, toPlain } from './index.js';
import type { ComposeOptions, ComposeResult } from './index.js';
import type { OverrideProblem } from './hydra/apply-overrides.js';
import { toComposeError } from './errors.js';
import type { RegistryKind, Schema } from './schema/dsl.js';
import { trainerPathIssues } from './schema/path-checks.js';
import { checkPpoConfig } from './schema/ppo-checks.js';
import type { AlgorithmNeedsLookup, CheckResult } from './schema/ppo-checks.js';
import { ppoTrainerSchema } from './schema/ppo-trainer.js';
import type { PpoTrainerConfig } from './schema/ppo-trainer.js';
import { ConfigValidationError, schemaIssues } from './schema/validate.js';
import type { ConfigIssue, SourceLookup } from './schema/validate.js';
import { ignoredNotices, normalizeVerlValues, triageVerlOverrides } from './verl-keys.js';
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
  /** What verl-ts accepted but does differently from verl (ignored keys, normalised values). */
  notices: string[];
  sourceOf: SourceLookup;
}

/** The stages a particular config kind adds around composition and schema validation. */
export interface ConfigStages<T> {
  /** Problems found before composing (e.g. refused overrides), reported with everything else. */
  issues?: ConfigIssue[];
  /** Notices found before composing. */
  notices?: string[];
  /** Rewrites the resolved config in place before validation; returns what it changed, as notices. */
  normalize?: (plain: unknown) => string[];
  /** Cross-field checks of the schema-valid config. */
  checks?: (config: T) => CheckResult;
  /** Checks beyond the config itself (files on disk); reads the plain config defensively. */
  outside?: (plain: unknown) => ConfigIssue[];
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

/** An override composition skipped, as a config issue: unknown keys read like the schema's unknown keys. */
function overrideIssue(problem: OverrideProblem): ConfigIssue {
  const { override, error } = problem;
  const source = `override '${override.inputLine}'`;
  if (problem.unknownKey) {
    return { key: override.keyOrGroup, message: `unknown key.${error.suggestion ? ` ${error.suggestion}` : ''}`, source };
  }
  const lines = toComposeError(error).hydraMessage.split('\n').filter((l) => l.trim() !== '');
  return { key: override.keyOrGroup, message: lines.slice(0, 2).join(': '), source };
}

export async function loadConfig<T>(schema: Schema<T>, options: LoadConfigOptions, stages: ConfigStages<T> = {}): Promise<LoadedConfig<T>> {
  const issues: ConfigIssue[] = [...(stages.issues ?? [])];
  const composed = compose({ ...options, onOverrideProblem: (p) => issues.push(overrideIssue(p)) });
  const plain = toPlain(composed.config, { resolve: true });
  const sourceOf = sourceLookup(composed);
  const notices = [...(stages.notices ?? []), ...(stages.normalize?.(plain) ?? [])];
  await loadPlugins(plain, options.cwd, sourceOf);
  const found = schemaIssues(plain, schema, { mode: 'validate', registryNames: options.registryNames });
  issues.push(...found);
  const config = plain as T;
  const result = found.length === 0 && stages.checks ? stages.checks(config) : { errors: [], warnings: [] };
  issues.push(...result.errors, ...(stages.outside?.(plain) ?? []));
  if (issues.length > 0) throw new ConfigValidationError(issues, sourceOf);
  return { config, composed, warnings: [...composed.warnings, ...result.warnings], notices, sourceOf };
}

export interface LoadTrainerConfigOptions extends LoadConfigOptions {
  /** What the registered estimators and losses declared they need (read after plugins load). */
  algorithmNeeds: AlgorithmNeedsLookup;
  /** Also check that the model, data and reward files the config names exist (what `train` does). */
  checkPaths?: boolean;
}

/**
 * The PPO-family trainer config (config/ppo_trainer.yaml or a tree like it), with verl's start-up checks.
 * verl's own keys and values that verl-ts does not model are accepted, normalised or refused here
 * (src/config/verl-keys.ts), so a verl run script's overrides work as given.
 */
export function loadTrainerConfig(options: LoadTrainerConfigOptions): Promise<LoadedConfig<PpoTrainerConfig>> {
  const triage = triageVerlOverrides(options.overrides);
  return loadConfig(ppoTrainerSchema, { ...options, overrides: triage.kept, recordedOverrides: options.overrides }, {
    issues: triage.issues,
    notices: ignoredNotices(triage.ignored),
    normalize: normalizeVerlValues,
    checks: (config) => checkPpoConfig(config, options.algorithmNeeds),
    ...(options.checkPaths ? { outside: (plain: unknown) => trainerPathIssues(plain, options.cwd, options.algorithmNeeds) } : {}),
  });
}

async function loadPlugins(plain: unknown, cwd: string, sourceOf: SourceLookup): Promise<void> {
  const plugins = (plain as { plugins?: unknown } | null)?.plugins;
  if (plugins === undefined || plugins === null) return;
  if (!Array.isArray(plugins) || plugins.some((p) => typeof p !== 'string')) {
    throw new ConfigValidationError([{ key: 'plugins', message: 'expected a list of module paths (.js or .ts)' }], sourceOf);
  }
  for (const path of plugins as string[]) await loadUserModule(path, { cwd, what: 'plugins' });
}
