/**
 * Python values as they flow through override parsing and interpolation resolution: scalars, lists, dicts
 * (insertion-ordered, any hashable key) and config containers. Also Python's `str()`, `repr()` and `==` on
 * them, which show up verbatim in OmegaConf string interpolation and Hydra error messages.
 */
import type { ConfigNode, ContainerNode, DictKey, Scalar } from '../node.js';
import { dictChildren, keyId } from '../node.js';
import { pyFloatRepr } from './float.js';

/** A Python dict literal (from the override or interpolation grammar), keys kept in insertion order. */
export class PyDict {
  readonly entries: Array<[DictKey, PyValue]> = [];

  /** Insert or replace like Python's `d[k] = v`: an equal key keeps its first position and key object. */
  set(key: DictKey, value: PyValue): void {
    const id = keyId(key);
    const existing = this.entries.findIndex(([k]) => keyId(k) === id);
    if (existing >= 0) this.entries[existing] = [this.entries[existing][0], value];
    else this.entries.push([key, value]);
  }
}

export type PyValue = Scalar | PyValue[] | PyDict | ContainerNode;

export function isPyDict(value: unknown): value is PyDict {
  return value instanceof PyDict;
}

export function isContainerValue(value: unknown): value is ContainerNode {
  return typeof value === 'object' && value !== null && 'kind' in value && (value.kind === 'dict' || value.kind === 'list');
}

/** Python's `type(x).__name__` for messages. */
export function pyTypeName(value: PyValue | ConfigNode): string {
  if (value === null) return 'NoneType';
  if (Array.isArray(value)) return 'list';
  if (value instanceof PyDict) return 'dict';
  switch (typeof value) {
    case 'string':
      return 'str';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float';
    case 'boolean':
      return 'bool';
    default:
      return value.kind === 'dict' ? 'DictConfig' : value.kind === 'list' ? 'ListConfig' : 'AnyNode';
  }
}

const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

/** Python `repr(str)`. */
export function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch !== ' ' && NON_PRINTABLE.test(ch)) {
      const cp = ch.codePointAt(0) ?? 0;
      if (cp < 0x100) out += `\\x${cp.toString(16).padStart(2, '0')}`;
      else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
      else out += `\\U${cp.toString(16).padStart(8, '0')}`;
    } else out += ch;
  }
  return out + quote;
}

function scalarStr(value: Scalar): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return pyFloatRepr(value);
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** Python `repr()` of a value; config containers print like the dict/list of their raw (unresolved) values. */
export function pyRepr(value: PyValue | ConfigNode): string {
  if (typeof value === 'string') return pyStrRepr(value);
  if (value === null || typeof value !== 'object') return scalarStr(value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (value instanceof PyDict) return `{${value.entries.map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`).join(', ')}}`;
  if (value.kind === 'value') return pyRepr(value.value);
  if (value.kind === 'list') return `[${value.items.map(pyRepr).join(', ')}]`;
  return `{${dictChildren(value)
    .map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`)
    .join(', ')}}`;
}

/** Python `str()`. */
export function pyStr(value: PyValue | ConfigNode): string {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object') return scalarStr(value);
  if (!Array.isArray(value) && !(value instanceof PyDict) && value.kind === 'value') return pyStr(value.value);
  return pyRepr(value);
}

function numericValue(value: Scalar): number | bigint | undefined {
  if (typeof value === 'boolean') return value ? 1n : 0n;
  if (typeof value === 'bigint' || typeof value === 'number') return value;
  return undefined;
}

/** Python `==` between two scalars (bool/int/float compare numerically). */
export function pyScalarEquals(a: Scalar, b: Scalar): boolean {
  const na = numericValue(a);
  const nb = numericValue(b);
  if (na !== undefined && nb !== undefined) {
    if (typeof na === 'bigint' && typeof nb === 'bigint') return na === nb;
    if (typeof na === 'number' && typeof nb === 'number') return na === nb;
    const f = typeof na === 'number' ? na : (nb as number);
    const i = typeof na === 'bigint' ? na : (nb as bigint);
    return Number.isInteger(f) && BigInt(f) === i;
  }
  return a === b;
}

/** Python `<` for sorting (numbers with numbers, strings with strings), raising like Python otherwise. */
export function pyLessThan(a: PyValue, b: PyValue): boolean {
  const na = typeof a === 'string' || a === null || typeof a === 'object' ? undefined : numericValue(a);
  const nb = typeof b === 'string' || b === null || typeof b === 'object' ? undefined : numericValue(b);
  if (na !== undefined && nb !== undefined) {
    if (typeof na === 'bigint' && typeof nb === 'bigint') return na < nb;
    return Number(na) < Number(nb);
  }
  if (typeof a === 'string' && typeof b === 'string') return comparePyStrings(a, b) < 0;
  throw new TypeError(`'<' not supported between instances of '${pyTypeName(a)}' and '${pyTypeName(b)}'`);
}

/** Code-point order, as Python compares strings (JS compares UTF-16 units). */
export function comparePyStrings(a: string, b: string): number {
  const ca = [...a];
  const cb = [...b];
  const n = Math.min(ca.length, cb.length);
  for (let i = 0; i < n; i++) {
    const x = ca[i].codePointAt(0) ?? 0;
    const y = cb[i].codePointAt(0) ?? 0;
    if (x !== y) return x - y;
  }
  return ca.length - cb.length;
}
