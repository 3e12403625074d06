/**
 * Python `==` between override values and config values, with OmegaConf's container equality (key-order
 * independent for dicts, interpolations compared by what they resolve to). Hydra's `~key=value` uses it.
 */
import type { ConfigNode, ContainerNode, Scalar } from '../node.js';
import { dictChildren, dictGet, isInterpolation, isMissing, keyId } from '../node.js';
import type { PyValue } from '../python/value.js';
import { isContainerValue, PyDict, pyScalarEquals } from '../python/value.js';
import { nodeFromPy } from './create.js';
import type { Resolution } from './resolve.js';
import { dereference, valueOf } from './resolve.js';

function asContainer(value: PyValue): ContainerNode | null {
  if (isContainerValue(value)) return value;
  if (Array.isArray(value) || value instanceof PyDict) return nodeFromPy(value) as ContainerNode;
  return null;
}

/** OmegaConf BaseContainer._item_eq for two child nodes. */
function itemEquals(v1: ConfigNode, v2: ConfigNode): boolean {
  if (v1.kind === 'value' && v2.kind === 'value' && v1.value === null && v2.value === null) return true;
  if (isMissing(v1) && isMissing(v2)) return true;
  const inter1 = isInterpolation(v1);
  const inter2 = isInterpolation(v2);
  const d1: Resolution | null = inter1 ? dereference(v1, false) : v1;
  const d2: Resolution | null = inter2 ? dereference(v2, false) : v2;
  if (inter1 && inter2 && (d1 === null || d2 === null)) return pyEquals(valueOf(v1), valueOf(v2));
  return pyEquals(valueOf(d1), valueOf(d2));
}

function containerEquals(a: ContainerNode, b: ContainerNode): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'dict' && b.kind === 'dict') {
    if (a.entries.size !== b.entries.size) return false;
    for (const [key, child] of dictChildren(a)) {
      const other = dictGet(b, key);
      if (!other || !itemEquals(child, other)) return false;
    }
    return true;
  }
  if (a.kind === 'list' && b.kind === 'list') {
    if (a.items.length !== b.items.length) return false;
    return a.items.every((item, i) => itemEquals(item, b.items[i]));
  }
  return false;
}

/** Python `a == b` for values that may be lists, dicts or config containers. */
export function pyEquals(a: PyValue, b: PyValue): boolean {
  const ca = isContainerValue(a) ? a : null;
  const cb = isContainerValue(b) ? b : null;
  if (ca || cb) {
    const other = ca ? b : a;
    const container = (ca ?? cb) as ContainerNode;
    const otherContainer = asContainer(other);
    if (!otherContainer) return false;
    if (container.kind === 'dict' && !(otherContainer.kind === 'dict')) return false;
    return containerEquals(container, otherContainer);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => pyEquals(x, b[i]));
  }
  if (a instanceof PyDict || b instanceof PyDict) {
    if (!(a instanceof PyDict) || !(b instanceof PyDict) || a.entries.length !== b.entries.length) return false;
    const bMap = new Map(b.entries.map(([k, v]) => [keyId(k), v]));
    return a.entries.every(([k, v]) => bMap.has(keyId(k)) && pyEquals(v, bMap.get(keyId(k)) as PyValue));
  }
  return pyScalarEquals(a as Scalar, b as Scalar);
}
