/**
 * Read-only views of a config tree for callers: YAML text (OmegaConf.to_yaml), resolved copies
 * (OmegaConf.resolve), plain JS values, node lookup by dotted key, and the flat `key: value  # source`
 * listing behind `print-config --flatten/--provenance`.
 */
import { publicErrors } from './errors.js';
import type { ConfigNode, ContainerNode, DictKey, Scalar, Source } from './node.js';
import { deepCopy, dictChildren, getChild, rootOf } from './node.js';
import { splitKey } from './omega/access.js';
import { keyStr } from './omega/format.js';
import { resolveInPlace, toContainer, valueOf, dereference } from './omega/resolve.js';
import { parsePyInt } from './python/float.js';
import type { PyValue } from './python/value.js';
import { PyDict } from './python/value.js';
import './resolvers/builtin.js';
import { dumpYaml, scalarYamlText } from './yaml/emit.js';

/** `OmegaConf.to_yaml(node, resolve=...)`, byte for byte. An empty dict prints `{}`. */
export function toYaml(node: ConfigNode, options: { resolve?: boolean } = {}): string {
  return publicErrors(() => {
    if (node.kind === 'value') return dumpYaml(options.resolve ? scalarValue(node) : node.value);
    return dumpYaml(toContainer(node, options.resolve ?? false));
  });
}

function scalarValue(node: ConfigNode): PyValue {
  const resolved = dereference(node, true);
  return resolved === null ? null : valueOf(resolved);
}

/** Path of keys from the root to `node`. */
function pathOf(node: ConfigNode): DictKey[] {
  const keys: DictKey[] = [];
  for (let cur: ConfigNode = node; cur.parent; cur = cur.parent) keys.unshift(cur.key as DictKey);
  return keys;
}

/**
 * OmegaConf.resolve on a deep copy: every interpolation replaced by its value (`???` targets give `???`).
 * The whole tree is copied so that absolute and relative references inside `node` still resolve.
 */
export function resolveAll<T extends ConfigNode>(node: T): T {
  return publicErrors(() => {
    const root = node.parent ? rootOf(node) : node;
    const copyRoot = deepCopy(root);
    let target: ConfigNode = copyRoot;
    for (const key of pathOf(node)) target = getChild(target as ContainerNode, key) as ConfigNode;
    if (target.kind === 'value') {
      if (target.parent) {
        const holder = target.parent;
        resolveInPlace(holder);
        return getChild(holder, target.key as DictKey) as T;
      }
      return target as T;
    }
    resolveInPlace(target);
    return target as T;
  });
}

export interface PlainOptions {
  resolve?: boolean;
}

export type PlainValue = string | number | bigint | boolean | null | PlainValue[] | { [key: string]: PlainValue };

function plain(value: PyValue): PlainValue {
  if (Array.isArray(value)) return value.map(plain);
  if (value instanceof PyDict) {
    const out: { [key: string]: PlainValue } = {};
    for (const [k, v] of value.entries) out[typeof k === 'string' ? k : keyStr(k)] = plain(v);
    return out;
  }
  if (typeof value === 'bigint') {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : value;
  }
  if (value !== null && typeof value === 'object') return plain(toContainer(value, false));
  return value;
}

/**
 * The config as plain JS data: dicts become objects (non-string keys as their Python `str()`), lists arrays;
 * ints become numbers when exactly representable, else bigint. With `resolve`, interpolations are evaluated.
 */
export function toPlain(node: ConfigNode, options: PlainOptions = {}): PlainValue {
  return publicErrors(() => {
    if (node.kind === 'value') return plain(options.resolve ? scalarValue(node) : node.value);
    return plain(toContainer(node, options.resolve ?? false));
  });
}

/** The node at a dotted key (`a.b.0.c`, brackets allowed), interpolations not followed; undefined if absent. */
export function selectNode(node: ConfigNode, dottedKey: string): ConfigNode | undefined {
  if (dottedKey === '') return node;
  let cur: ConfigNode = node;
  for (const segment of splitKey(dottedKey)) {
    if (cur.kind === 'value') return undefined;
    let key: DictKey = segment;
    if (cur.kind === 'list') {
      const index = parsePyInt(segment);
      if (index === undefined) return undefined;
      key = Number(index);
    }
    const next = getChild(cur, key);
    if (!next) return undefined;
    cur = next;
  }
  return cur;
}

/** Human-readable provenance: `file.yaml:12`, `override 'k=v'`, or `hydra`. */
export function formatSource(source: Source | undefined): string {
  if (!source) return '';
  if ('file' in source) return `${source.file}:${source.line}`;
  if ('override' in source) return `override '${source.override}'`;
  return source.generated;
}

export interface FlatEntry {
  /** Dotted key; list items use their index (`a.b.0`). */
  key: string;
  /** The value as to_yaml writes a scalar, on one line (`{}`/`[]` for empty containers). */
  value: string;
  /** Where the value came from (see formatSource). */
  source: string;
}

/** One entry per leaf (and per empty container), in key order. */
export function flatten(node: ConfigNode, options: { resolve?: boolean } = {}): FlatEntry[] {
  return publicErrors(() => {
    const subject = options.resolve ? resolveAll(node) : node;
    const out: FlatEntry[] = [];
    const walk = (n: ConfigNode, prefix: string) => {
      const join = (k: DictKey) => (prefix === '' ? keyStr(k, n.kind === 'list') : `${prefix}.${keyStr(k, n.kind === 'list')}`);
      if (n.kind === 'value') {
        out.push({ key: prefix, value: scalarYamlText(n.value as Scalar), source: formatSource(n.source) });
      } else if (n.kind === 'dict') {
        const children = dictChildren(n);
        if (children.length === 0) out.push({ key: prefix, value: '{}', source: formatSource(n.source) });
        for (const [k, child] of children) walk(child, join(k));
      } else {
        if (n.items.length === 0) out.push({ key: prefix, value: '[]', source: formatSource(n.source) });
        n.items.forEach((child, i) => walk(child, join(i)));
      }
    };
    walk(subject, '');
    return out;
  });
}


/** Python value for plain data; JS integers become Python ints, other numbers floats. */
function fromPlain(value: PlainValue): PyValue {
  if (Array.isArray(value)) return value.map(fromPlain);
  if (value !== null && typeof value === 'object') {
    const d = new PyDict();
    for (const [k, v] of Object.entries(value)) d.set(k, fromPlain(v));
    return d;
  }
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  return value;
}

/**
 * Plain data printed as `OmegaConf.to_yaml` prints it (e.g. Hydra's `.hydra/overrides.yaml`, a list of
 * strings). A JS integer prints as a Python int, any other number as a float.
 */
export function plainToYaml(value: PlainValue): string {
  return publicErrors(() => dumpYaml(fromPlain(value)));
}
