/**
 * OmegaConf's full keys (`a.b[0].c`) and its `format_and_raise`, which decorates an exception with the
 * `full_key:` / `object_type=` lines users see in Hydra's error output.
 */
import { PyError } from '../errors.js';
import type { ConfigNode, ContainerNode, DictKey } from '../node.js';
import { keyText } from '../node.js';
import { pyFloatRepr } from '../python/float.js';

/** Python `str()` of a dict key; list indices (`inList`) are ints even though JS holds them as numbers. */
export function keyStr(key: DictKey, inList = false): string {
  if (inList && typeof key === 'number') return String(key);
  return keyText(key, pyFloatRepr);
}

function prepend(full: string, parentIsList: boolean, curIsList: boolean, key: DictKey): string {
  const k = keyStr(key, parentIsList);
  if (parentIsList) {
    if (full === '') return `[${k}]`;
    return curIsList ? `[${k}]${full}` : `[${k}].${full}`;
  }
  if (full === '') return k;
  return curIsList ? `${k}${full}` : `${k}.${full}`;
}

/** OmegaConf `container._get_full_key(key)` (including its quirks for keys under lists). */
export function fullKeyOf(container: ContainerNode, key: DictKey | null): string {
  let full: string;
  let cur: ConfigNode = container;
  if (key !== null && key !== '') {
    full = prepend('', container.kind === 'list', false, key);
    if (cur.key !== null) full = prepend(full, cur.parent?.kind === 'list', cur.kind === 'list', cur.key);
  } else {
    if (container.key === null) return '';
    full = keyStr(container.key, container.parent?.kind === 'list');
  }
  while (cur.parent) {
    cur = cur.parent;
    if (cur.key !== null) full = prepend(full, cur.parent?.kind === 'list', cur.kind === 'list', cur.key);
  }
  return full;
}

/** Full key of any node (a value node asks its parent, as OmegaConf does). */
export function fullKeyOfNode(node: ConfigNode): string {
  if (node.parent) return fullKeyOf(node.parent, node.key);
  if (node.kind !== 'value') return fullKeyOf(node, null);
  return node.key === null ? '' : keyStr(node.key, false);
}

/**
 * OmegaConf `format_and_raise(node, key, ...)`: an already-decorated OmegaConf error is re-raised as is
 * (optionally re-typed); otherwise the message gains `full_key`/`object_type` lines and TypeError/IndexError
 * become ConfigTypeError/ConfigIndexError.
 */
export function formatAndRaise(node: ContainerNode | null, key: DictKey | null, cause: unknown, typeOverride?: string): never {
  if (!(cause instanceof PyError)) throw cause;
  if (cause.isA('AssertionError')) throw cause;
  if (cause.isA('OmegaConfBaseException') && cause.initialized) {
    if (typeOverride === undefined) throw cause;
    const retyped = new PyError(typeOverride, cause.message);
    retyped.initialized = true;
    throw retyped;
  }
  const fullKey = node === null ? (key === null ? '' : keyStr(key)) : fullKeyOf(node, key);
  const objectType = node === null ? 'None' : node.kind;
  let type = typeOverride ?? cause.pyType;
  if (type === 'TypeError') type = 'ConfigTypeError';
  else if (type === 'IndexError') type = 'ConfigIndexError';
  const error = new PyError(type, `${cause.message}\n    full_key: ${fullKey}\n    object_type=${objectType}`);
  if (error.isA('OmegaConfBaseException')) error.initialized = true;
  throw error;
}
