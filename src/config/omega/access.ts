/**
 * DictConfig/ListConfig item access with OmegaConf's checks and error texts: struct mode, index ranges,
 * assignment that updates a leaf in place or replaces the node, and dotted-key splitting.
 */
import { PyError } from '../errors.js';
import type { ConfigNode, ContainerNode, DictKey, DictNode, ListNode, Source } from '../node.js';
import { deepCopy, dictGet, dictHas, dictSet, isMissing, isStruct, listSet } from '../node.js';
import { parsePyInt } from '../python/float.js';
import type { PyValue } from '../python/value.js';
import { isContainerValue } from '../python/value.js';
import { nodeFromPy, validateLeafValue } from './create.js';
import { formatAndRaise, fullKeyOf, keyStr } from './format.js';

/** OmegaConf split_key: `a.b`, `a[b]`, `..a[c].d` → segments (leading dots become empty segments). */
export function splitKey(key: string): string[] {
  const head = /^(\.)*[^.[]*/.exec(key);
  const firstStop = head ? head[0].length : 0;
  const tokens = key.slice(0, firstStop).split('.');
  if (firstStop === key.length) return tokens;
  if (key[firstStop] === '[' && !tokens[tokens.length - 1]) tokens.pop();
  const other = /\.([^.[]*)|\[(.*?)\]/g;
  const rest = key.slice(firstStop);
  for (let m = other.exec(rest); m !== null; m = other.exec(rest)) {
    tokens.push(m[1] ? m[1] : (m[2] ?? ''));
  }
  return tokens;
}

/**
 * OmegaConf `_select_one(c, key)`: the raw child (interpolations unresolved) and the normalized key (an int
 * for lists). A missing (`???`) child raises MissingMandatoryValue when asked to.
 */
export function selectOne(
  container: ContainerNode,
  key: string,
  throwOnMissing: boolean,
  throwOnTypeError = true,
): [ConfigNode | null, DictKey] {
  let retKey: DictKey = key;
  let value: ConfigNode | null = null;
  if (container.kind === 'dict') {
    value = dictGet(container, key) ?? null;
  } else {
    const index = parsePyInt(key);
    if (index === undefined) {
      if (throwOnTypeError) throw new PyError('TypeError', `Index '${key}' (str) is not an int`);
    } else {
      retKey = Number(index);
      value = index < 0n || index >= BigInt(container.items.length) ? null : container.items[Number(index)];
    }
  }
  if (value && isMissing(value) && throwOnMissing) {
    throw new PyError('MissingMandatoryValue', `Missing mandatory value: ${fullKeyOf(container, retKey)}`);
  }
  return [value, retKey];
}

/** DictConfig._validate_get: in struct mode an absent key is an error. */
export function validateDictAccess(dict: DictNode, key: DictKey): void {
  if (!dictHas(dict, key) && isStruct(dict)) {
    formatAndRaise(dict, key, new PyError('ConfigAttributeError', `Key '${keyStr(key)}' is not in struct`));
  }
}

/** ListConfig._get_node with access validation: out-of-range indices raise IndexError. */
function validateListAccess(list: ListNode, index: number): void {
  const i = index < 0 ? list.items.length + index : index;
  if (!Number.isInteger(index) || i < 0 || i >= list.items.length) {
    formatAndRaise(list, index, new PyError('IndexError', 'list index out of range'));
  }
}

/**
 * `_set_item_impl`: a config node is copied in; a primitive assigned over an existing leaf updates it in
 * place; anything else is wrapped into a new node.
 */
function assign(container: ContainerNode, key: DictKey, value: ConfigNode | PyValue, source: Source | undefined): void {
  const target = container.kind === 'dict' ? dictGet(container, key) : container.items[normalizeIndex(container, key)];
  const isNode = isContainerValue(value) || (typeof value === 'object' && value !== null && 'kind' in value && value.kind === 'value');
  let node: ConfigNode;
  if (isNode) {
    node = deepCopy(value as ConfigNode);
  } else if (target && target.kind === 'value' && (value === null || typeof value !== 'object')) {
    target.value = validateLeafValue(value as PyValue);
    if (source) target.source = source;
    return;
  } else {
    node = nodeFromPy(value as PyValue, source);
  }
  if (container.kind === 'dict') dictSet(container, key, node);
  else listSet(container, normalizeIndex(container, key), node);
}

function normalizeIndex(list: ListNode, key: DictKey): number {
  const index = Number(key);
  return index < 0 ? list.items.length + index : index;
}

/**
 * `container[key] = value` (DictConfig.__setitem__ / ListConfig.__setitem__). Errors are decorated with the
 * full key; struct violations surface as ConfigKeyError.
 */
export function setItem(container: ContainerNode, key: DictKey, value: ConfigNode | PyValue, source?: Source): void {
  try {
    if (container.kind === 'dict') validateDictAccess(container, key);
    else {
      if (typeof key !== 'number' && typeof key !== 'bigint') {
        throw new PyError('KeyValidationError', `ListConfig indices must be integers or slices, not ${typeof key === 'string' ? 'str' : typeof key}`);
      }
      validateListAccess(container, Number(key));
    }
    assign(container, key, value, source);
  } catch (err) {
    if (err instanceof PyError && err.isA('AttributeError')) formatAndRaise(container, key, err, 'ConfigKeyError');
    formatAndRaise(container, key, err);
  }
}

/** `dict.key = value` (DictConfig.__setattr__): like setItem but struct violations stay ConfigAttributeError. */
export function setAttr(dict: DictNode, key: string, value: ConfigNode | PyValue, source?: Source): void {
  try {
    validateDictAccess(dict, key);
    assign(dict, key, value, source);
  } catch (err) {
    formatAndRaise(dict, key, err);
  }
}

/** `container._get_child(key)` with access validation (struct / index range), raw (unresolved). */
export function getChildValidated(container: ContainerNode, key: DictKey): ConfigNode | undefined {
  if (container.kind === 'dict') {
    validateDictAccess(container, key);
    return dictGet(container, key);
  }
  validateListAccess(container, Number(key));
  return container.items[normalizeIndex(container, key)];
}
