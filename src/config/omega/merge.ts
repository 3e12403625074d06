/**
 * OmegaConf merge (`merge_with`) and `OmegaConf.update`, for untyped configs: dicts merge recursively,
 * anything else replaces, `???` never overwrites, a dict merged onto an interpolation to a dict expands it
 * first, dict-vs-list is an error. Key order: existing keys keep their position, new keys go last.
 */
import { PyError } from '../errors.js';
import type { ContainerNode, DictKey, DictNode, ListNode, Source } from '../node.js';
import { deepCopy, dictChildren, dictGet, isContainer, isInterpolation, isMissing, listReplaceItems, withStruct } from '../node.js';
import { parsePyInt } from '../python/float.js';
import type { PyValue } from '../python/value.js';
import { isContainerValue, PyDict } from '../python/value.js';
import { getChildValidated, selectOne, setAttr, setItem, splitKey } from './access.js';
import { nodeFromPy } from './create.js';
import { formatAndRaise } from './format.js';
import { dereference } from './resolve.js';

/** `dest.merge_with(src)`: failures are decorated with `dest`'s full key. */
export function mergeWith(dest: ContainerNode, src: ContainerNode | PyValue, source?: Source): void {
  try {
    mergeInto(dest, src, source);
  } catch (err) {
    formatAndRaise(dest, null, err);
  }
}

/** `dest._merge_with(src)`: undecorated (the outermost public merge decorates). */
function mergeInto(dest: ContainerNode, src: ContainerNode | PyValue, source?: Source): void {
  const other = isContainerValue(src) ? src : nodeFromPy(src, source);
  if (other.kind === 'value') {
    throw new PyError('ValueError', 'Invalid input. Supports one of [dict,list,DictConfig,ListConfig,dataclass,dataclass instance,attr class,attr class instance]');
  }
  if (dest.kind === 'dict' && other.kind === 'dict') mapMerge(dest, other);
  else if (dest.kind === 'list' && other.kind === 'list') listMerge(dest, other);
  else throw new PyError('TypeError', 'Cannot merge DictConfig with ListConfig');
}

function mapMerge(dest: DictNode, src: DictNode): void {
  for (const [key, srcNode] of dictChildren(src)) {
    let destNode = dictGet(dest, key);
    const srcMissing = isMissing(srcNode);
    if (destNode && isInterpolation(destNode)) {
      const target = dereference(destNode, false);
      if (target && (target.kind === 'dict' || target.kind === 'list')) {
        setItem(dest, key, target);
        destNode = dictGet(dest, key);
      }
    }
    if (!destNode) {
      setItem(dest, key, srcNode);
    } else if (isContainer(destNode)) {
      if (isContainer(srcNode)) mergeInto(destNode, srcNode);
      else if (!srcMissing) setItem(dest, key, srcNode);
    } else if (isContainer(srcNode) || !srcMissing) {
      setItem(dest, key, srcNode);
    }
  }
}

function listMerge(dest: ListNode, src: ListNode): void {
  listReplaceItems(
    dest,
    src.items.map((item) => deepCopy(item)),
  );
}

/** A dict/list value (Python container or config container). */
export function isContainerLike(value: PyValue): boolean {
  return Array.isArray(value) || value instanceof PyDict || isContainerValue(value);
}

export interface UpdateOptions {
  /** Merge a dict/list value into an existing container instead of replacing it (default true). */
  merge?: boolean;
  /** Create the whole path regardless of struct mode (Hydra's `+`/`++`). */
  forceAdd?: boolean;
  /** Provenance recorded on the nodes this update creates. */
  source?: Source;
}

/** OmegaConf.update(cfg, key, value, merge=..., force_add=...). */
export function omegaUpdate(cfg: ContainerNode, key: string, value: PyValue, options: UpdateOptions = {}): void {
  const merge = options.merge ?? true;
  const source = options.source;
  const split = splitKey(key);
  let root: ContainerNode = cfg;
  for (let i = 0; i < split.length - 1; i++) {
    const [next, normKey] = selectOne(root, split[i], false);
    if (!isContainer(next)) {
      const parent: ContainerNode = root;
      const create = () => setItem(parent, normKey, new PyDict(), source);
      if (options.forceAdd) withStruct(parent, false, create);
      else create();
    }
    root = getChildValidated(root, normKey) as ContainerNode;
  }
  const last = split[split.length - 1];
  let lastKey: DictKey = last;
  if (root.kind === 'list') {
    const index = parsePyInt(last);
    if (index === undefined) throw new PyError('ValueError', `invalid literal for int() with base 10: '${last}'`);
    lastKey = Number(index);
  }
  const target = root;
  const apply = () => {
    if (merge && isContainerLike(value)) {
      const node = getChildValidated(target, lastKey);
      if (node && isContainer(node)) {
        mergeWith(node, value, source);
        return;
      }
    }
    if (target.kind === 'dict') setAttr(target, lastKey as string, value, source);
    else setItem(target, lastKey, value, source);
  };
  if (options.forceAdd) withStruct(target, false, apply);
  else apply();
}
