/**
 * The config search path (Hydra's ConfigRepository): Hydra's built-in configs, the primary config directory
 * and any `hydra.searchpath` directories. Loads a config once (YAML, `# @package` header, defaults list)
 * and answers "is this a group / a config / what options does a group have".
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { PyError } from '../errors.js';
import type { ConfigNode, ContainerNode, DictNode } from '../node.js';
import { dictChildren, dictDelete, dictGet, isInterpolationString } from '../node.js';
import { checkInterpolationSyntax } from '../omega/create.js';
import { formatAndRaise } from '../omega/format.js';
import { comparePyStrings, pyRepr, pyTypeName } from '../python/value.js';
import { loadYaml } from '../yaml/load.js';
import { BUILTIN_HYDRA_FILES } from './builtin-hydra.js';
import type { ParseStore, StoredFile, StoredParse } from './parse-store.js';
import { builtinFile, fileOnDisk } from './parse-store.js';
import type { InputDefault } from './defaults-elements.js';
import { configDefault, groupDefault } from './defaults-elements.js';

export interface SourceDescription {
  provider: string;
  /** e.g. `file:///abs/conf` or `pkg://hydra.conf` */
  url: string;
}

interface FileText {
  /** Identity of this file version for the parse cache (path + mtime + size), or null to skip caching. */
  cacheKey: string | null;
  /** This file version as the persistent parse store knows it (absent: never stored). */
  stored?: StoredFile;
  /** The file's content (read only when the parse cache misses). */
  text: () => string;
  /** Name in YAML error marks (the file's real path). */
  markName: string;
  /** Name recorded as provenance (relative to the primary config directory where possible). */
  displayName: string;
}

export interface ConfigSource {
  readonly description: SourceDescription;
  available(): boolean;
  isGroup(configPath: string): boolean;
  isConfig(configPath: string): boolean;
  /** Options (config names) or sub-groups directly under a group, sorted and unique. */
  list(groupPath: string, filter: 'config' | 'group'): string[];
  read(configPath: string): FileText | null;
}

function withYaml(configPath: string): string {
  return configPath.endsWith('.yaml') ? configPath : `${configPath}.yaml`;
}

function kindOf(p: string): 'file' | 'dir' | null {
  try {
    const stat = statSync(p);
    return stat.isFile() ? 'file' : stat.isDirectory() ? 'dir' : null;
  } catch {
    return null;
  }
}

function isDir(p: string): boolean {
  return kindOf(p) === 'dir';
}

/** Configs in a directory on disk (`file://`). */
export class DirectorySource implements ConfigSource {
  readonly description: SourceDescription;
  /** File-system answers memoized for the lifetime of this source (one composition). */
  private readonly kinds = new Map<string, 'file' | 'dir' | null>();

  private kind(p: string): 'file' | 'dir' | null {
    let kind = this.kinds.get(p);
    if (kind === undefined) {
      kind = kindOf(p);
      this.kinds.set(p, kind);
    }
    return kind;
  }

  constructor(
    readonly root: string,
    provider: string,
    private readonly displayBase: string,
  ) {
    this.description = { provider, url: `file://${root}` };
  }

  available(): boolean {
    return this.kind(this.root) === 'dir';
  }

  isGroup(configPath: string): boolean {
    return this.kind(path.join(this.root, configPath)) === 'dir';
  }

  isConfig(configPath: string): boolean {
    return this.kind(path.join(this.root, withYaml(configPath))) === 'file';
  }

  list(groupPath: string, filter: 'config' | 'group'): string[] {
    const dir = path.join(this.root, groupPath);
    if (this.kind(dir) !== 'dir') return [];
    const names = new Set<string>();
    for (const entry of readdirSync(dir)) {
      if (entry === '__pycache__' || entry === '__init__.py') continue;
      const rel = groupPath === '' ? entry : `${groupPath}/${entry}`;
      if (filter === 'group' && this.isGroup(rel)) names.add(entry);
      if (filter === 'config' && this.isConfig(rel)) {
        const dot = entry.lastIndexOf('.');
        names.add(dot === -1 ? entry : entry.slice(0, dot));
      }
    }
    return [...names].sort(comparePyStrings);
  }

  read(configPath: string): FileText | null {
    const file = path.join(this.root, withYaml(configPath));
    if (this.kind(file) !== 'file') return null;
    const real = realpathSync(file);
    const rel = path.relative(this.displayBase, path.resolve(file));
    const displayName = rel.startsWith('..') || path.isAbsolute(rel) ? path.resolve(file) : rel.split(path.sep).join('/');
    const stat = statSync(real, { bigint: true });
    return {
      cacheKey: `${real}\0${displayName}\0${stat.mtimeNs}\0${stat.size}`,
      stored: fileOnDisk(real, stat),
      text: () => readFileSync(real, 'utf8'),
      markName: real,
      displayName,
    };
  }
}

/** Hydra's own configs (`pkg://hydra.conf`), held in memory. */
export class BuiltinHydraSource implements ConfigSource {
  readonly description: SourceDescription = { provider: 'hydra', url: 'pkg://hydra.conf' };

  available(): boolean {
    return true;
  }

  private normalize(p: string): string {
    return path.posix.normalize(p).replace(/^\.\//, '').replace(/\/$/, '');
  }

  isGroup(configPath: string): boolean {
    const prefix = this.normalize(configPath);
    if (prefix === '' || prefix === '.') return true;
    for (const file of BUILTIN_HYDRA_FILES.keys()) if (file.startsWith(`${prefix}/`)) return true;
    return false;
  }

  isConfig(configPath: string): boolean {
    return BUILTIN_HYDRA_FILES.has(this.normalize(withYaml(configPath)));
  }

  list(groupPath: string, filter: 'config' | 'group'): string[] {
    const prefix = this.normalize(groupPath);
    const names = new Set<string>();
    for (const file of BUILTIN_HYDRA_FILES.keys()) {
      const rest = prefix === '' || prefix === '.' ? file : file.startsWith(`${prefix}/`) ? file.slice(prefix.length + 1) : null;
      if (rest === null) continue;
      const slash = rest.indexOf('/');
      if (slash === -1 && filter === 'config') names.add(rest.replace(/\.yaml$/, ''));
      if (slash !== -1 && filter === 'group') names.add(rest.slice(0, slash));
    }
    return [...names].sort(comparePyStrings);
  }

  read(configPath: string): FileText | null {
    const key = this.normalize(withYaml(configPath));
    const text = BUILTIN_HYDRA_FILES.get(key);
    if (text === undefined) return null;
    const name = `pkg://hydra.conf/${key}`;
    return { cacheKey: name, stored: builtinFile(name), text: () => text, markName: name, displayName: name };
  }
}

export interface LoadedConfig {
  /** The config content, `defaults` removed. */
  config: ContainerNode;
  /** The `# @package` header value as written, or null. */
  packageHeader: string | null;
  defaults: InputDefault[];
  /** The config path it was loaded as (messages in its defaults list name it). */
  configPath: string;
}

// eslint-disable-next-line no-control-regex -- Python's str.splitlines() also breaks at \x1c-\x1e (file/group/record separators)
const PY_LINE_BREAKS = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;

/** Hydra's header scan: `# @key value` lines before the first other non-blank line, within 512 chars. */
export function parseHeader(text: string): Record<string, string> {
  // Hydra reads the first 512 characters (code points); 2048 UTF-16 units always cover them.
  const head = Array.from(text.slice(0, 2048)).slice(0, 512).join('');
  const result: Record<string, string> = {};
  for (const raw of head.split(PY_LINE_BREAKS)) {
    const line = raw.trim();
    if (line === '') continue;
    if (!/^\s*#\s*@/u.test(line)) break;
    const stripped = line.replace(/^#+/, '').trim();
    const parts = stripped.split(' ').filter((p) => p.length > 0);
    if (parts.length < 2) throw new PyError('ValueError', `Expected header format: KEY VALUE, got '${stripped}'`);
    if (parts.length > 2) throw new PyError('ValueError', `Too many components in '${stripped}'`);
    const [key, value] = parts;
    if (key.startsWith('@')) result[key.slice(1)] = value.trim();
  }
  return result;
}

function splitGroup(text: string): [string, string | null] {
  const at = text.indexOf('@');
  if (at === -1) return [text, null];
  let pkg = text.slice(at + 1);
  const colon = pkg.indexOf(':');
  if (colon !== -1) pkg = pkg.slice(0, colon);
  return [text.slice(0, at), pkg];
}

/** Python `type(x).__name__` of a node as ListConfig iteration yields it. */
function itemTypeName(node: ConfigNode): string {
  if (node.kind === 'dict') return 'DictConfig';
  if (node.kind === 'list') return 'ListConfig';
  return pyTypeName(node.value);
}

function parseDefaultsList(configPath: string, list: ConfigNode): InputDefault[] {
  if (list.kind !== 'list') {
    const got = list.kind === 'dict' ? 'mapping' : pyTypeName(list.value);
    throw new PyError('ValueError', `Invalid defaults list in '${configPath}', defaults must be a list (got ${got})`);
  }
  return list.items.map((item) => {
    if (item.kind === 'dict') {
      const entries = dictChildren(item);
      if (entries.length > 1) throw new PyError('ValueError', `In ${configPath}: Too many keys in default item ${pyRepr(item)}`);
      if (entries.length === 0) throw new PyError('ValueError', `In ${configPath}: Missing group name in ${pyRepr(item)}`);
      const [key, valueNode] = entries[0];
      if (typeof key !== 'string') throw new PyError('AssertionError', '');
      const [groupPart, pkg] = splitGroup(key);
      const words = groupPart.split(' ');
      const group = words[words.length - 1];
      let optional = false;
      let override = false;
      for (const word of words.slice(0, -1)) {
        if (word === 'optional') optional = true;
        else if (word === 'override') override = true;
        else break;
      }
      let value: string | string[] | null;
      if (valueNode.kind === 'list') {
        value = valueNode.items.map((v) => {
          if (v.kind !== 'value' || typeof v.value !== 'string') {
            const typeName = v.kind === 'value' ? pyTypeName(v.value) : v.kind;
            throw new PyError('ValueError', `Unsupported item value in defaults : ${typeName}, nested list items must be strings`);
          }
          return v.value;
        });
      } else if (valueNode.kind === 'dict' || (valueNode.value !== null && typeof valueNode.value !== 'string')) {
        const typeName = valueNode.kind === 'dict' ? 'dict' : pyTypeName(valueNode.value);
        throw new PyError('ValueError', `Unsupported item value in defaults : ${typeName}. Supported: string or list`);
      } else {
        value = valueNode.value;
      }
      if (group === '') throw new PyError('AssertionError', '');
      return groupDefault(group, value, pkg, { optional, override });
    }
    if (item.kind === 'value' && typeof item.value === 'string') {
      const [p, pkg] = splitGroup(item.value);
      if (p === '_self_' && pkg !== null) throw new PyError('ValueError', '_self_@PACKAGE is not supported');
      return configDefault(p, pkg);
    }
    throw new PyError('ValueError', `Unsupported type in defaults : ${itemTypeName(item)}`);
  });
}

/** OmegaConf.create's strict check: every string with `${` must parse as an interpolation. */
function validateInterpolations(node: ContainerNode): void {
  const children: Array<[string | number | bigint | boolean, ConfigNode]> =
    node.kind === 'dict' ? dictChildren(node) : node.items.map((item, i) => [i, item]);
  for (const [key, child] of children) {
    if (child.kind === 'value') {
      if (isInterpolationString(child.value)) {
        try {
          checkInterpolationSyntax(child.value);
        } catch (err) {
          formatAndRaise(node, key, err);
        }
      }
    } else validateInterpolations(child);
  }
}

/**
 * Parsed files shared across compositions in this process (multirun composes the same tree many times).
 * Entries are never mutated: composition copies what it merges.
 */
const parseCache = new Map<string, LoadedConfig>();
const PARSE_CACHE_LIMIT = 2000;

/** The file's content and `# @package` header: from the persistent store when it has this version, else parsed. */
function parseContent(file: FileText, store: ParseStore | undefined): StoredParse {
  const stored = store && file.stored ? store.get(file.stored, file.displayName) : undefined;
  if (stored) return stored;
  const text = file.text();
  const header = parseHeader(text);
  const config = loadYaml(text, { markName: file.markName, sourceFile: file.displayName });
  validateInterpolations(config);
  const parsed: StoredParse = { config, packageHeader: header.package ?? null };
  if (store && file.stored) store.put(file.stored, file.displayName, parsed);
  return parsed;
}

function parseConfigFile(file: FileText, configPath: string, store: ParseStore | undefined): LoadedConfig {
  // The config path is part of the key: the same file reached as `a/../x` and `x` names itself differently.
  const cacheKey = file.cacheKey === null ? null : `${file.cacheKey}\0${configPath}`;
  const cached = cacheKey === null ? undefined : parseCache.get(cacheKey);
  if (cached) return cached;
  const { config, packageHeader } = parseContent(file, store);
  let defaults: InputDefault[] = [];
  if (config.kind === 'dict') {
    const raw = dictGet(config, 'defaults');
    if (raw !== undefined) {
      dictDelete(config as DictNode, 'defaults');
      defaults = parseDefaultsList(configPath, raw);
    }
  }
  const loaded: LoadedConfig = { config, packageHeader, defaults, configPath };
  if (cacheKey !== null) {
    if (parseCache.size >= PARSE_CACHE_LIMIT) parseCache.clear();
    parseCache.set(cacheKey, loaded);
  }
  return loaded;
}

export class ConfigRepository {
  private readonly cache = new Map<string, LoadedConfig | null>();

  /** `store`: the persistent parse store to read parsed files from and add them to (none: parse every file). */
  constructor(
    readonly sources: ConfigSource[],
    private readonly store?: ParseStore,
  ) {}

  private findSource(configPath: string, kind: 'config' | 'group'): ConfigSource | undefined {
    return this.sources.find((s) => (kind === 'config' ? s.isConfig(configPath) : s.isGroup(configPath)));
  }

  groupExists(groupPath: string): boolean {
    return this.findSource(groupPath, 'group') !== undefined;
  }

  configExists(configPath: string): boolean {
    return this.findSource(configPath, 'config') !== undefined;
  }

  groupOptions(groupPath: string, filter: 'config' | 'group' = 'config'): string[] {
    const options = new Set<string>();
    for (const source of this.sources) {
      if (source.isGroup(groupPath)) for (const o of source.list(groupPath, filter)) options.add(o);
    }
    return [...options].sort(comparePyStrings);
  }

  /** Load a config once; null when no source has it. */
  load(configPath: string): LoadedConfig | null {
    if (this.cache.has(configPath)) return this.cache.get(configPath) ?? null;
    const source = this.findSource(configPath, 'config');
    const file = source?.read(configPath) ?? null;
    const loaded = file ? parseConfigFile(file, configPath, this.store) : null;
    this.cache.set(configPath, loaded);
    return loaded;
  }

  /** The `Config search path:` lines Hydra prints in missing-config errors. */
  searchPathText(): string {
    const lines = this.sources.map((s) => `\tprovider=${s.description.provider}, path=${s.description.url}`);
    lines.push('\tprovider=schema, path=structured://');
    return `Config search path:\n${lines.join('\n')}`;
  }
}

export function directoryExists(dir: string): boolean {
  return existsSync(dir) && isDir(dir);
}
