/**
 * The config tree: OmegaConf-like dict/list/value nodes with parent links, insertion-ordered keys that may
 * be non-strings, and per-leaf provenance.
 *
 * Scalars keep Python's types apart: ints are `bigint` (exact at any size), floats are `number`, so `1` and
 * `1.0` stay distinct as they do in OmegaConf. `'???'` is MISSING and any string containing `${` is an
 * interpolation, exactly as OmegaConf classifies them.
 */

/** A leaf value: str | int (bigint) | float (number) | bool | None. */
export type Scalar = string | bigint | number | boolean | null;

/** A dict key. Python treats `1`, `1.0` and `True` as the same key; see {@link keyId}. */
export type DictKey = string | bigint | number | boolean;

/** Where a node's value came from. */
export type Source =
  | { readonly file: string; readonly line: number }
  | { readonly override: string }
  | { readonly generated: string };

/** Flags that apply to a container and, unless a descendant sets its own, to everything below it. */
export interface NodeFlags {
  struct?: boolean;
}

/** Per-config state that resolvers need (environment, clock, Hydra's own node). Lives on the root. */
export interface RootContext {
  env: Record<string, string | undefined>;
  now: Date;
  /** The `{hydra: ...}` root that `${hydra:...}` selects from. */
  hydraRoot?: DictNode;
  /** Cache for resolvers registered with `useCache` (keyed by resolver name, then argument text). */
  cache: Map<string, Map<string, unknown>>;
  /** Sink for warnings emitted while resolving (oc.deprecated). */
  warnings: string[];
}

interface NodeBase {
  parent: ContainerNode | null;
  /** Key in the parent dict, or index in the parent list; null for a root. */
  key: DictKey | null;
  source?: Source;
}

export interface ValueNode extends NodeBase {
  readonly kind: 'value';
  value: Scalar;
}

export interface DictNode extends NodeBase {
  readonly kind: 'dict';
  /** keyId(key) → child; Map iteration order is the key order. The child's `key` holds the real key. */
  entries: Map<string, ConfigNode>;
  flags: NodeFlags;
  context?: RootContext;
}

export interface ListNode extends NodeBase {
  readonly kind: 'list';
  items: ConfigNode[];
  flags: NodeFlags;
  context?: RootContext;
}

export type ContainerNode = DictNode | ListNode;
export type ConfigNode = ValueNode | ContainerNode;

export const MISSING = '???';

export function createValue(value: Scalar, source?: Source): ValueNode {
  return { kind: 'value', value, parent: null, key: null, source };
}

export function createDict(source?: Source): DictNode {
  return { kind: 'dict', entries: new Map(), flags: {}, parent: null, key: null, source };
}

export function createList(source?: Source): ListNode {
  return { kind: 'list', items: [], flags: {}, parent: null, key: null, source };
}

export function isContainer(node: ConfigNode | undefined | null): node is ContainerNode {
  return node != null && node.kind !== 'value';
}

export function isMissingValue(value: unknown): boolean {
  return value === MISSING;
}

export function isInterpolationString(value: unknown): value is string {
  return typeof value === 'string' && value.includes('${');
}

/** True for a value node holding `???`. */
export function isMissing(node: ConfigNode): boolean {
  return node.kind === 'value' && node.value === MISSING;
}

/** True for a value node holding a string with `${` (escaped `\${` included, as OmegaConf does). */
export function isInterpolation(node: ConfigNode): node is ValueNode & { value: string } {
  return node.kind === 'value' && isInterpolationString(node.value);
}

let nanKeyCounter = 0;

/**
 * The identity of a dict key under Python's `==`/hash: numbers compare by value across int, float and bool
 * (`1 == 1.0 == True`), strings only with strings. NaN keys never equal anything.
 */
export function keyId(key: DictKey): string {
  switch (typeof key) {
    case 'string':
      return `s${key}`;
    case 'boolean':
      return key ? 'n1' : 'n0';
    case 'bigint':
      return `n${key.toString()}`;
    default:
      if (Number.isNaN(key)) return `nan${nanKeyCounter++}`;
      if (Number.isInteger(key)) return `n${BigInt(key).toString()}`;
      return `f${key}`;
  }
}

export function dictGet(dict: DictNode, key: DictKey): ConfigNode | undefined {
  return dict.entries.get(keyId(key));
}

export function dictHas(dict: DictNode, key: DictKey): boolean {
  return dict.entries.has(keyId(key));
}

/**
 * Put `child` under `key`. An existing equal key keeps its position and its original key object (Python dict
 * semantics); a new key goes to the end.
 */
export function dictSet(dict: DictNode, key: DictKey, child: ConfigNode): void {
  const id = keyId(key);
  const previous = dict.entries.get(id);
  child.parent = dict;
  child.key = previous ? previous.key : key;
  dict.entries.set(id, child);
}

export function dictDelete(dict: DictNode, key: DictKey): boolean {
  return dict.entries.delete(keyId(key));
}

export function dictKeys(dict: DictNode): DictKey[] {
  return [...dict.entries.values()].map((child) => child.key as DictKey);
}

export function dictChildren(dict: DictNode): Array<[DictKey, ConfigNode]> {
  return [...dict.entries.values()].map((child) => [child.key as DictKey, child]);
}

export function listSet(list: ListNode, index: number, child: ConfigNode): void {
  child.parent = list;
  child.key = index;
  list.items[index] = child;
}

export function listAppend(list: ListNode, child: ConfigNode): void {
  listSet(list, list.items.length, child);
}

/** Replace a list's items, re-linking parents and indices. */
export function listReplaceItems(list: ListNode, items: ConfigNode[]): void {
  list.items = [];
  for (const item of items) listAppend(list, item);
}

/** Child of a container by key (dict) or integer index (list); undefined when absent. */
export function getChild(container: ContainerNode, key: DictKey): ConfigNode | undefined {
  if (container.kind === 'dict') return dictGet(container, key);
  if (typeof key !== 'bigint' && typeof key !== 'number') return undefined;
  const index = Number(key);
  if (!Number.isInteger(index) || index < 0 || index >= container.items.length) return undefined;
  return container.items[index];
}

/** Deep copy; the copy is detached (no parent) unless one is given. */
export function deepCopy<T extends ConfigNode>(node: T, parent: ContainerNode | null = null): T {
  let copy: ConfigNode;
  if (node.kind === 'value') {
    copy = { kind: 'value', value: node.value, parent, key: node.key, source: node.source };
  } else if (node.kind === 'dict') {
    const dict: DictNode = { kind: 'dict', entries: new Map(), flags: { ...node.flags }, parent, key: node.key, source: node.source };
    if (node.context) dict.context = node.context;
    for (const [id, child] of node.entries) dict.entries.set(id, deepCopy(child, dict));
    copy = dict;
  } else {
    const list: ListNode = { kind: 'list', items: [], flags: { ...node.flags }, parent, key: node.key, source: node.source };
    if (node.context) list.context = node.context;
    list.items = node.items.map((child) => deepCopy(child, list));
    copy = list;
  }
  return copy as T;
}

export function rootOf(node: ConfigNode): ContainerNode {
  let cur: ConfigNode = node;
  while (cur.parent) cur = cur.parent;
  if (cur.kind === 'value') throw new Error('a value node without a parent has no root container');
  return cur;
}

/** The nearest explicit struct flag on the path to the root (OmegaConf flag inheritance). */
export function isStruct(node: ConfigNode): boolean {
  let cur: ConfigNode | null = node;
  while (cur) {
    if (cur.kind !== 'value' && cur.flags.struct !== undefined) return cur.flags.struct;
    cur = cur.parent;
  }
  return false;
}

/** Run `fn` with the struct flag of `container` forced to `value`, restoring it afterwards. */
export function withStruct<T>(container: ContainerNode, value: boolean, fn: () => T): T {
  const saved = container.flags.struct;
  container.flags.struct = value;
  try {
    return fn();
  } finally {
    if (saved === undefined) delete container.flags.struct;
    else container.flags.struct = saved;
  }
}

/** Python `str()` of a dict key, as used in OmegaConf's full keys. */
export function keyText(key: DictKey, floatRepr: (x: number) => string): string {
  if (typeof key === 'boolean') return key ? 'True' : 'False';
  if (typeof key === 'number') return floatRepr(key);
  return key.toString();
}
