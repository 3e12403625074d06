/**
 * Batch → Apache Arrow table (for dumps and inspection). Tensor columns become primitive columns ([B]) or
 * fixed-size lists of width T ([B, T]) sharing no memory with the batch; non-tensor columns get a type inferred
 * from their values (strings, int64, double, bool, lists, structs).
 */
import {
  Bool,
  Field,
  FixedSizeList,
  Float32,
  Float64,
  Int32,
  Int64,
  List,
  Null,
  Struct,
  Table,
  Utf8,
  makeData,
  makeVector,
  vectorFromArray,
} from 'apache-arrow';
import type { DataType, Vector } from 'apache-arrow';
import type { Batch } from './batch.js';
import type { Tensor } from './tensor.js';
import { inferColumnType } from './io/value-type.js';
import type { ValueType } from './io/value-type.js';

function arrowType(t: ValueType): DataType {
  if (typeof t === 'string') {
    switch (t) {
      case 'string':
        return new Utf8();
      case 'int64':
        return new Int64();
      case 'int32':
        return new Int32();
      case 'double':
        return new Float64();
      case 'float':
        return new Float32();
      case 'bool':
        return new Bool();
      default:
        return new Null();
    }
  }
  if ('list' in t) return new List(new Field('item', arrowType(t.list), true));
  return new Struct(t.struct.map(([k, v]) => new Field(k, arrowType(v), true)));
}

/** int64 values must be BigInt for Arrow's builders. */
function forArrow(v: unknown, t: ValueType): unknown {
  if (v === null || v === undefined) return null;
  if (t === 'int64') return typeof v === 'bigint' ? v : BigInt(v as number);
  if (t === 'double' && typeof v === 'bigint') return Number(v);
  if (typeof t === 'string') return v;
  if ('list' in t) return (v as unknown[]).map((x) => forArrow(x, t.list));
  const obj = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, ft] of t.struct) out[k] = forArrow(obj[k], ft);
  return out;
}

function tensorVector(t: Tensor): Vector {
  const leaf = makeVector(t.data.slice());
  if (t.shape.length === 1) return leaf;
  const child = leaf.data[0];
  const type = new FixedSizeList(t.rowSize, new Field('item', child.type, false));
  return makeVector(makeData({ type, length: t.rows, nullCount: 0, child }));
}

export function batchToArrow(batch: Batch): Table {
  const columns: Record<string, Vector> = {};
  for (const name of batch.tensorNames()) columns[name] = tensorVector(batch.tensor(name));
  for (const name of batch.nonTensorNames()) {
    const values = batch.column(name);
    const t = inferColumnType(values, name);
    const type = arrowType(t);
    columns[name] = t === 'null' ? makeVector(makeData({ type: new Null(), length: values.length })) : vectorFromArray(values.map((v) => forArrow(v, t)), type);
  }
  return new Table(columns);
}
