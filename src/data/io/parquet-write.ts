/**
 * Write rows to a parquet file with an explicit schema, so nested values (a `list<struct>` prompt, struct
 * `reward_model` / `extra_info`) are stored as real parquet LIST and struct groups that pyarrow, pandas and
 * DuckDB read as nested types (hyparquet-writer's automatic schema would store them as JSON strings).
 * The file is written atomically.
 */
import { gzipSync } from 'node:zlib';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { SchemaElement } from 'hyparquet';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { InputError } from '../../util/errors.js';
import { describeType, inferSchema } from './value-type.js';
import type { TableSchema, ValueType } from './value-type.js';

export type ParquetCodec = 'SNAPPY' | 'GZIP' | 'UNCOMPRESSED';

export interface ParquetWriteOptions {
  /** Column types; inferred from the rows when absent. */
  schema?: TableSchema;
  codec?: ParquetCodec;
}

const SCALAR: Record<string, Pick<SchemaElement, 'type' | 'converted_type'>> = {
  string: { type: 'BYTE_ARRAY', converted_type: 'UTF8' },
  int64: { type: 'INT64' },
  int32: { type: 'INT32' },
  double: { type: 'DOUBLE' },
  float: { type: 'FLOAT' },
  bool: { type: 'BOOLEAN' },
  // A column with only nulls: pyarrow's own choice for an all-null object column is a null type; an
  // optional string is the closest parquet type and reads back as nulls.
  null: { type: 'BYTE_ARRAY', converted_type: 'UTF8' },
};

/** Depth-first parquet schema elements for one field (3-level LIST layout, as pyarrow writes). */
function schemaElements(name: string, t: ValueType): SchemaElement[] {
  if (typeof t === 'string') return [{ name, repetition_type: 'OPTIONAL', ...SCALAR[t] }];
  if ('list' in t) {
    return [
      { name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      ...schemaElements('element', t.list),
    ];
  }
  return [
    { name, repetition_type: 'OPTIONAL', num_children: t.struct.length },
    ...t.struct.flatMap(([k, v]) => schemaElements(k, v)),
  ];
}

/** Convert a value to what hyparquet-writer expects for type `t` (int64 → BigInt), checking it fits. */
function toWritable(v: unknown, t: ValueType, path: string): unknown {
  if (v === null || v === undefined) return null;
  const wrong = () => new InputError(`${path}: expected ${describeType(t)}, got ${Array.isArray(v) ? 'an array' : typeof v} (${JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x))?.slice(0, 60)})`);
  if (typeof t === 'string') {
    switch (t) {
      case 'string':
        if (typeof v !== 'string') throw wrong();
        return v;
      case 'int64':
        if (typeof v === 'bigint') return v;
        if (typeof v !== 'number' || !Number.isInteger(v)) throw wrong();
        return BigInt(v);
      case 'int32':
        if (typeof v !== 'number' || !Number.isInteger(v) || v < -2147483648 || v > 2147483647) throw wrong();
        return v;
      case 'double':
      case 'float':
        if (typeof v === 'bigint') return Number(v);
        if (typeof v !== 'number') throw wrong();
        return v;
      case 'bool':
        if (typeof v !== 'boolean') throw wrong();
        return v;
      default:
        throw wrong();
    }
  }
  if ('list' in t) {
    if (!Array.isArray(v)) throw wrong();
    return v.map((x, i) => toWritable(x, t.list, `${path}[${i}]`));
  }
  if (typeof v !== 'object' || Array.isArray(v)) throw wrong();
  const obj = v as Record<string, unknown>;
  const known = new Set(t.struct.map(([k]) => k));
  for (const k of Object.keys(obj)) {
    if (!known.has(k)) throw new InputError(`${path}: field '${k}' is not in the schema (${describeType(t)})`);
  }
  const out: Record<string, unknown> = {};
  for (const [k, ft] of t.struct) out[k] = toWritable(obj[k], ft, `${path}.${k}`);
  return out;
}

/** Rows per row group when encoding from an iterable (one group's values are held in memory at a time). */
export const ROW_GROUP_ROWS = 10_000;

export interface ParquetStreamOptions extends ParquetWriteOptions {
  /** Called after each row group with the number of rows encoded so far. */
  onRows?: (rowsSoFar: number) => void;
}

/**
 * Encode rows as parquet bytes. Rows are converted and encoded one row group at a time, so an iterable that
 * makes its rows on demand (a generated dataset) never has all of them in memory, only the compressed output.
 */
export function encodeParquet(rows: Iterable<Record<string, unknown>>, options: ParquetStreamOptions = {}): Uint8Array {
  const iterator = rows[Symbol.iterator]();
  const nextGroup = (): Record<string, unknown>[] => {
    const group: Record<string, unknown>[] = [];
    while (group.length < ROW_GROUP_ROWS) {
      const r = iterator.next();
      if (r.done === true) break;
      group.push(r.value);
    }
    return group;
  };
  let group = nextGroup();
  const schema = options.schema ?? inferSchema(group);
  if (schema.length === 0) throw new InputError('cannot write a parquet file with no columns');
  const elements: SchemaElement[] = [{ name: 'schema', num_children: schema.length }];
  for (const [name, t] of schema) elements.push(...schemaElements(name, t));
  const writer = new ByteWriter();
  const pq = new ParquetWriter({
    writer,
    schema: elements,
    codec: options.codec ?? 'SNAPPY',
    compressors: { GZIP: (input: Uint8Array) => new Uint8Array(gzipSync(input)) },
    createdBy: 'verl-ts',
  });
  let done = 0;
  do {
    const offset = done;
    const columnData = schema.map(([name, t]) => ({
      name,
      data: group.map((row, i) => toWritable(row[name], t, `row ${offset + i}, column '${name}'`)),
    }));
    void pq.write({ columnData, rowGroupSize: Math.max(1, group.length) });
    done += group.length;
    options.onRows?.(done);
    group = nextGroup();
  } while (group.length > 0);
  void pq.finish();
  return writer.getBytes();
}

/** Write rows to `path` as parquet (atomically). */
export async function writeParquet(path: string, rows: Iterable<Record<string, unknown>>, options: ParquetStreamOptions = {}): Promise<void> {
  await writeFileAtomic(path, encodeParquet(rows, options));
}
