/**
 * Hydra's compose pipeline: parse overrides, reject sweeps, build the defaults list, merge the configs in
 * order, switch on struct mode, apply config overrides, fill Hydra's own node, then split it off the job
 * config (hydra-semantics.md §1).
 */
import path from 'node:path';
import { HydraCompactError, PyError, publicErrors } from './errors.js';
import { applyConfigOverrides } from './hydra/apply-overrides.js';
import type { OverrideProblem } from './hydra/apply-overrides.js';
import type { ResultDefault } from './hydra/defaults-tree.js';
import { buildDefaultsList } from './hydra/defaults-tree.js';
import type { ConfigSource } from './hydra/repository.js';
import { BuiltinHydraSource, ConfigRepository, DirectorySource, directoryExists } from './hydra/repository.js';
import { ParseStore } from './hydra/parse-store.js';
import type { ContainerNode, DictNode, RootContext, Source } from './node.js';
import { createDict, deepCopy, dictDelete, dictGet, listAppend, createValue, withStruct } from './node.js';
import { mergeWith, omegaUpdate } from './omega/merge.js';
import { omegaSelect } from './omega/resolve.js';
import { parseOverrides } from './overrides/parser.js';
import type { Override } from './overrides/types.js';
import { isHydraOverride, isSweepOverride, keyElement, overrideValue } from './overrides/types.js';
import type { PyValue } from './python/value.js';
import { isContainerValue, PyDict, pyStr } from './python/value.js';
import './resolvers/builtin.js';
import './resolvers/package-assets.js';

/** The Hydra release whose behaviour verl-ts reproduces (reported as hydra.runtime.version). */
export const HYDRA_VERSION = '1.3.2';
const HYDRA_VERSION_BASE = '1.3';

export interface ComposeOptions {
  /** Primary config directory, absolute or relative to `cwd`. */
  configDir: string;
  /** Primary config name without `.yaml`, e.g. 'ppo_trainer' or 'sub/main'. */
  configName: string;
  /** Command-line overrides, verbatim. */
  overrides: string[];
  /**
   * The command line as the user gave it, when `overrides` leaves some of it out (verl keys verl-ts accepts
   * and ignores). Hydra records every override it was given, so hydra.overrides, job.override_dirname and
   * `taskOverrides` are made from these, in their order. Default: `overrides`.
   */
  recordedOverrides?: readonly string[];
  /** Environment for `${oc.env:...}` and `hydra.job.env_copy` (default: process.env). */
  env?: Record<string, string | undefined>;
  /**
   * Folder of the persistent parse store (see `parseStoreDir`): parsed config files are read from and added
   * to it, so a later process skips parsing unchanged files. Default: none, every file is parsed.
   */
  parseStoreDir?: string;
  /** Clock for `${now:...}` (default: the current time). */
  now?: Date;
  /** Directory relative paths are resolved against (default: process.cwd()). */
  cwd?: string;
  /**
   * MULTIRUN composes a sweep's base config as Hydra does: sweep overrides are left out (not rejected) and
   * `???` group defaults are skipped. Compose each job with `expandSweeps` output in RUN mode.
   */
  mode?: 'RUN' | 'MULTIRUN';
  /** Job identity for multirun jobs (hydra.job.num / hydra.job.id). */
  job?: { num?: number; id?: string };
  /**
   * Report each config override that fails (an unknown key, a type clash) here and carry on without it,
   * instead of stopping at the first as Hydra does.
   */
  onOverrideProblem?: (problem: OverrideProblem) => void;
  /** Word sweep-rejection hints for a shell (`key=\'a,b\'`, the CLI default) or for code (`key='a,b'`). */
  fromShell?: boolean;
}

export interface ComposeResult {
  /** The job config: hydra node removed, interpolations unresolved, struct mode on. */
  config: DictNode;
  /** Hydra's node (run.dir, sweep.dir, job.*, runtime.choices, overrides.*), resolvable. */
  hydra: DictNode;
  /** Final group choices: override key → option (null for disabled groups, a list for option lists). */
  choices: Record<string, string | string[] | null>;
  /** The overrides that are not `hydra.*` ones, as given. */
  taskOverrides: string[];
  /** Warnings Hydra prints on stderr (e.g. a primary defaults list without `_self_`). */
  warnings: string[];
  /** The configs merged, in order, with their packages. */
  defaults: ResultDefault[];
}

/** Outside multirun any sweep is an error; in multirun only sweeps over Hydra's own config are. */
function validateSweeps(overrides: Override[], fromShell: boolean, multirun: boolean): void {
  for (const o of overrides) {
    if (!isSweepOverride(o)) continue;
    if (multirun) {
      if (isHydraOverride(o)) throw new HydraCompactError(`Sweeping over Hydra's configuration is not supported : '${o.inputLine}'`);
      continue;
    }
    if (o.valueType === 'simple_choice_sweep') {
      const example = fromShell ? "key=\\'value1,value2\\'" : "key='value1,value2'";
      throw new HydraCompactError(
        `Ambiguous value for argument '${o.inputLine}'\n1. To use it as a list, use key=[value1,value2]\n2. To use it as string, quote the value: ${example}\n3. To sweep over it, add --multirun to your command line`,
      );
    }
    throw new HydraCompactError(`Sweep parameters '${o.inputLine}' requires --multirun`);
  }
}

/** Extra sources from `hydra.searchpath` (command line first, else the primary config). */
function searchPathSources(repo: ConfigRepository, configName: string, overrides: Override[], cwd: string, mainDir: string, warnings: string[]): ConfigSource[] {
  const loaded = repo.load(configName);
  const primary: ContainerNode = loaded ? loaded.config : createDict();
  if (primary.kind !== 'dict') throw new HydraCompactError(`primary config '${configName}' must be a DictConfig, got ListConfig`);
  const fromCli = overrides.find((o) => keyElement(o) === 'hydra.searchpath');
  const searchpath = fromCli ? overrideValue(fromCli) : omegaSelect(primary, 'hydra.searchpath');
  const provider = fromCli ? 'hydra.searchpath in command-line' : 'hydra.searchpath in main';
  if (searchpath === null || searchpath === undefined) return [];
  let entries: unknown[] | null = null;
  if (Array.isArray(searchpath)) entries = searchpath;
  else if (isContainerValue(searchpath) && searchpath.kind === 'list') {
    entries = searchpath.items.map((item) => (item.kind === 'value' ? item.value : item));
  }
  if (entries === null || entries.some((e) => typeof e !== 'string')) {
    throw new HydraCompactError(`hydra.searchpath must be a list of strings. Got: ${pyStr(searchpath as PyValue)}`);
  }
  const sources: ConfigSource[] = [];
  for (const entry of entries as string[]) {
    const schemeAt = entry.indexOf('://');
    const scheme = schemeAt === -1 ? 'file' : entry.slice(0, schemeAt);
    const location = schemeAt === -1 ? entry : entry.slice(schemeAt + 3);
    if (scheme !== 'file') {
      warnings.push(`provider=${provider}, path=${entry} is not available.`);
      continue;
    }
    const source = new DirectorySource(path.resolve(cwd, location), provider, mainDir);
    if (!source.available()) warnings.push(`provider=${provider}, path=${location} is not available.`);
    sources.push(source);
  }
  return sources;
}

/** Place a config's content under its package (`a.b` → {a: {b: content}}). */
function embed(config: ContainerNode, pkg: string): ContainerNode {
  if (pkg === '') return config;
  const root = createDict();
  omegaUpdate(root, pkg, config, { merge: false });
  return root;
}

function mergeDefaults(repo: ConfigRepository, defaults: ResultDefault[], context: RootContext): DictNode {
  const cfg = createDict();
  cfg.context = context;
  for (const d of defaults) {
    const loaded = repo.load(d.configPath);
    if (!loaded) throw new Error(`config '${d.configPath}' vanished during composition`);
    const embedded = embed(loaded.config, d.package);
    if (!d.primary && d.configPath !== 'hydra/config' && embedded.kind === 'dict' && omegaSelect(embedded, 'hydra.searchpath') !== null) {
      throw new HydraCompactError(`In '${d.configPath}': Overriding hydra.searchpath is only supported from the primary config`);
    }
    try {
      mergeWith(cfg, embedded);
    } catch (err) {
      if (err instanceof PyError && err.isA('OmegaConfBaseException')) {
        throw new HydraCompactError(`In '${d.configPath}': ${err.pyType} raised while composing config:\n${err.message}`);
      }
      throw err;
    }
  }
  return cfg;
}

/** Hydra's override_dirname: task overrides sorted, joined, `=` replaced by kv_sep. */
function overrideDirname(taskOverrides: Override[], hydra: DictNode): string {
  const conf = omegaSelect(hydra, 'job.config.override_dirname');
  const get = (k: string, d: string) => {
    const v = conf && typeof conf === 'object' && 'kind' in conf ? omegaSelect(conf, k) : null;
    return typeof v === 'string' ? v : d;
  };
  const excludeNode = conf && typeof conf === 'object' && 'kind' in conf ? omegaSelect(conf, 'exclude_keys') : null;
  const exclude = new Set<string>();
  if (excludeNode && typeof excludeNode === 'object' && 'kind' in excludeNode && excludeNode.kind === 'list') {
    for (const item of excludeNode.items) if (item.kind === 'value' && typeof item.value === 'string') exclude.add(item.value);
  }
  const lines = taskOverrides.filter((o) => !exclude.has(o.keyOrGroup)).map((o) => o.inputLine);
  lines.sort();
  return lines.join(get('item_sep', ',')).replace(/=/g, get('kv_sep', '='));
}

function fillHydraNode(
  cfg: DictNode,
  recorded: Override[],
  knownChoices: Map<string, string | null>,
  options: ComposeOptions,
  repo: ConfigRepository,
  cwd: string,
): void {
  const hydra = dictGet(cfg, 'hydra');
  if (!hydra || hydra.kind !== 'dict') return;
  const generated: Source = { generated: 'hydra' };
  const taskOverrides = recorded.filter((o) => !isHydraOverride(o));
  withStruct(hydra, false, () => {
    const overridesNode = dictGet(hydra, 'overrides');
    const hydraList = overridesNode?.kind === 'dict' ? dictGet(overridesNode, 'hydra') : undefined;
    const taskList = overridesNode?.kind === 'dict' ? dictGet(overridesNode, 'task') : undefined;
    for (const o of recorded) {
      const list = isHydraOverride(o) ? hydraList : taskList;
      if (list?.kind === 'list') listAppend(list, createValue(o.inputLine, generated));
    }
    const choices = new PyDict();
    for (const [k, v] of knownChoices) choices.set(k, v);
    omegaUpdate(hydra, 'runtime.choices', choices, { merge: true, source: generated });
    const envCopy = omegaSelect(hydra, 'job.env_copy');
    if (envCopy && typeof envCopy === 'object' && 'kind' in envCopy && envCopy.kind === 'list') {
      const env = options.env ?? process.env;
      for (const item of envCopy.items) {
        if (item.kind !== 'value' || typeof item.value !== 'string') continue;
        const value = env[item.value];
        if (value === undefined) throw new PyError('KeyError', `'${item.value}'`);
        omegaUpdate(hydra, `job.env_set.${item.value}`, value, { source: generated });
      }
    }
    const set = (key: string, value: string | bigint | null | PyDict | Array<PyDict>) => omegaUpdate(hydra, key, value, { merge: false, source: generated });
    set('runtime.version', HYDRA_VERSION);
    set('runtime.version_base', HYDRA_VERSION_BASE);
    set('runtime.cwd', cwd);
    const sources: PyDict[] = [];
    for (const s of repo.sources) {
      const [scheme, location] = s.description.url.split('://');
      const info = new PyDict();
      info.set('path', location);
      info.set('schema', scheme);
      info.set('provider', s.description.provider);
      sources.push(info);
    }
    const schema = new PyDict();
    schema.set('path', '');
    schema.set('schema', 'structured');
    schema.set('provider', 'schema');
    sources.push(schema);
    set('runtime.config_sources', sources);
    const job = dictGet(hydra, 'job');
    const name = job?.kind === 'dict' ? dictGet(job, 'name') : undefined;
    if (!name || (name.kind === 'value' && name.value === '???')) {
      const base = options.configName.replace(/\.yaml$/, '');
      set('job.name', base.slice(base.lastIndexOf('/') + 1));
    }
    set('job.override_dirname', overrideDirname(taskOverrides, hydra));
    set('job.config_name', options.configName);
    if (options.job?.num !== undefined) set('job.num', BigInt(options.job.num));
    if (options.job?.id !== undefined) set('job.id', options.job.id);
    if (options.mode !== undefined) set('mode', options.mode);
  });
}

function composeImpl(options: ComposeOptions): ComposeResult {
  const cwd = options.cwd ?? process.cwd();
  const configDir = path.resolve(cwd, options.configDir);
  if (!directoryExists(configDir)) {
    throw new HydraCompactError(`Primary config directory not found.\nCheck that the config directory '${configDir}' exists and readable`, {
      type: 'MissingConfigException',
    });
  }
  const parsed = parseOverrides(options.overrides);
  const warnings: string[] = [];
  const store = options.parseStoreDir === undefined ? undefined : new ParseStore(options.parseStoreDir);
  const repo = new ConfigRepository([new BuiltinHydraSource(), new DirectorySource(configDir, 'main', configDir)], store);
  repo.sources.push(...searchPathSources(repo, options.configName, parsed, cwd, configDir, warnings));
  validateSweeps(parsed, options.fromShell ?? true, options.mode === 'MULTIRUN');

  const defaultsList = buildDefaultsList(repo, options.configName, parsed, { skipMissing: options.mode === 'MULTIRUN' });
  warnings.unshift(...defaultsList.warnings);
  const context: RootContext = {
    env: options.env ?? process.env,
    now: options.now ?? new Date(),
    cache: new Map(),
    warnings: [],
  };
  const cfg = mergeDefaults(repo, defaultsList.defaults, context);
  cfg.flags.struct = true;
  applyConfigOverrides(cfg, defaultsList.configOverrides, options.onOverrideProblem);
  const recorded = options.recordedOverrides === undefined ? parsed : parseOverrides([...options.recordedOverrides]);
  fillHydraNode(cfg, recorded, defaultsList.knownChoices, options, repo, cwd);

  const full = deepCopy(cfg);
  full.context = context;
  context.hydraRoot = full;
  const hydraNode = dictGet(full, 'hydra');
  const hydra: DictNode = hydraNode && hydraNode.kind === 'dict' ? hydraNode : createDict();
  withStruct(cfg, false, () => dictDelete(cfg, 'hydra'));

  const choices: Record<string, string | string[] | null> = {};
  for (const [k, v] of defaultsList.knownChoices) choices[k] = v;
  for (const [k, v] of defaultsList.listChoices) if (!(k in choices)) choices[k] = v;
  return {
    config: cfg,
    hydra,
    choices,
    taskOverrides: recorded.filter((o) => !isHydraOverride(o)).map((o) => o.inputLine),
    warnings: [...warnings, ...context.warnings],
    defaults: defaultsList.defaults,
  };
}

/** Compose a config exactly as Hydra 1.3 would (`--cfg job`); errors are ConfigComposeError. */
export function compose(options: ComposeOptions): ComposeResult {
  return publicErrors(() => composeImpl(options));
}

