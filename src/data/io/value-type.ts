/**
 * Column types for writing rows of plain JS values to typed columnar formats (parquet, Arrow). A preprocessor
 * declares its schema explicitly; other callers may infer one from the values. Every level is nullable, as
 * pandas/pyarrow write them.
 */
import { InputError } from '../../util/errors.js';

export type ScalarType = 'string' | 'int64' | 'int32' | 'double' | 'float' | 'bool';
export type ValueType = ScalarType | { list: ValueType } | { struct: ReadonlyArray<readonly [string, ValueType]> } | 'null';

/** An ordered set of named columns. */
export type TableSchema = ReadonlyArray<readonly [string, ValueType]>;

export function listOf(element: ValueType): ValueType {
  return { list: element };
}

export function structOf(fields: Record<string, ValueType>): ValueType {
  return { struct: Object.entries(fields) };
}

export function describeType(t: ValueType): string {
  if (typeof t === 'string') return t;
  if ('list' in t) return `list<${describeType(t.list)}>`;
  return `struct<${t.struct.map(([k, v]) => `${k}: ${describeType(v)}`).join(', ')}>`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof Date);
}

/** The type of one value ('null' for null/undefined). Integral numbers are int64. */
function typeOfValue(v: unknown, path: string): ValueType {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'bigint') return 'int64';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'double';
  if (Array.isArray(v)) {
    let el: ValueType = 'null';
    v.forEach((x, i) => (el = mergeTypes(el, typeOfValue(x, `${path}[${i}]`), `${path}[]`)));
    return { list: el };
  }
  if (isPlainObject(v)) {
    return { struct: Object.entries(v).map(([k, x]) => [k, typeOfValue(x, `${path}.${k}`)] as const) };
  }
  throw new InputError(`${path}: cannot store a value of type ${v instanceof Date ? 'Date' : typeof v} in a table column`);
}

/** The narrowest type holding both (null merges into anything; int64 widens to double). */
export function mergeTypes(a: ValueType, b: ValueType, path: string): ValueType {
  if (a === 'null') return b;
  if (b === 'null') return a;
  if (typeof a === 'string' && typeof b === 'string') {
    if (a === b) return a;
    const nums = new Set<ValueType>(['int64', 'int32', 'double', 'float']);
    if (nums.has(a) && nums.has(b)) return a === 'double' || b === 'double' || a === 'float' || b === 'float' ? 'double' : 'int64';
  } else if (typeof a !== 'string' && typeof b !== 'string') {
    if ('list' in a && 'list' in b) return { list: mergeTypes(a.list, b.list, `${path}[]`) };
    if ('struct' in a && 'struct' in b) {
      const fields = new Map<string, ValueType>(a.struct);
      for (const [k, t] of b.struct) fields.set(k, mergeTypes(fields.get(k) ?? 'null', t, `${path}.${k}`));
      return { struct: [...fields.entries()] };
    }
  }
  throw new InputError(`${path}: values of different types (${describeType(a)} and ${describeType(b)}) cannot share one column`);
}

/** Infer a schema from rows: columns in order of first appearance. */
export function inferSchema(rows: readonly Record<string, unknown>[]): TableSchema {
  const cols = new Map<string, ValueType>();
  rows.forEach((row, i) => {
    for (const [k, v] of Object.entries(row)) {
      cols.set(k, mergeTypes(cols.get(k) ?? 'null', typeOfValue(v, `row ${i}, column '${k}'`), `column '${k}'`));
    }
  });
  return [...cols.entries()];
}

/** Infer the type of one column's values. */
export function inferColumnType(values: readonly unknown[], name: string): ValueType {
  let t: ValueType = 'null';
  values.forEach((v, i) => (t = mergeTypes(t, typeOfValue(v, `row ${i}, column '${name}'`), `column '${name}'`)));
  return t;
}
