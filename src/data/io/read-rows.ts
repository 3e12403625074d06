/**
 * Read a table of rows from .parquet (snappy, zstd, gzip, brotli, lz4 via hyparquet-compressors), .jsonl or
 * .json (a JSON array of objects, or JSON Lines as Hugging Face's json loader accepts). Nested values come back
 * as plain arrays and objects; parquet int64 values become numbers when they are exactly representable
 * (|v| ≤ 2^53 − 1) and stay BigInt otherwise.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, isAbsolute, resolve } from 'node:path';
import { parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import type { AsyncBuffer } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { InputError, errorMessage } from '../../util/errors.js';

export type Row = Record<string, unknown>;

export interface Table {
  /** Absolute path of the file. */
  path: string;
  /** Column names in file order (parquet) or order of first appearance (JSON). */
  columns: string[];
  rows: Row[];
}

export const TABLE_EXTENSIONS = ['.parquet', '.jsonl', '.json'] as const;

/** BigInt → number where exact, recursively through arrays and objects. */
export function normaliseValue(v: unknown): unknown {
  // hyparquet leaves a null struct as undefined.
  if (v === undefined) return null;
  if (typeof v === 'bigint') {
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }
  if (Array.isArray(v)) return v.map(normaliseValue);
  if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array) && !(v instanceof Date)) {
    const out: Row = {};
    for (const [k, x] of Object.entries(v)) out[k] = normaliseValue(x);
    return out;
  }
  return v;
}

function bufferFromBytes(bytes: Uint8Array): AsyncBuffer {
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return { byteLength: ab.byteLength, slice: (start: number, end?: number) => ab.slice(start, end) };
}

async function readParquet(path: string, bytes: Uint8Array): Promise<Table> {
  const file = bufferFromBytes(bytes);
  let columns: string[];
  try {
    const meta = await parquetMetadataAsync(file);
    const root = meta.schema[0];
    columns = [];
    // Top-level fields: walk the flattened schema, skipping each child's subtree.
    let i = 1;
    const skip = (idx: number): number => {
      const n = meta.schema[idx].num_children ?? 0;
      let next = idx + 1;
      for (let c = 0; c < n; c++) next = skip(next);
      return next;
    };
    for (let c = 0; c < (root.num_children ?? 0); c++) {
      columns.push(meta.schema[i].name);
      i = skip(i);
    }
  } catch (err) {
    throw new InputError(`could not read parquet file '${path}': ${errorMessage(err)} (is it a parquet file, and complete?)`, { cause: err });
  }
  let raw: Row[];
  try {
    raw = (await parquetReadObjects({ file, compressors })) as Row[];
  } catch (err) {
    throw new InputError(`could not read parquet file '${path}': ${errorMessage(err)}`, { cause: err });
  }
  return { path, columns, rows: raw.map((r) => normaliseValue(r) as Row) };
}

function parseJsonLines(path: string, text: string): Row[] {
  const rows: Row[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (err) {
      throw new InputError(`${path} line ${i + 1}: invalid JSON: ${errorMessage(err)}`);
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      throw new InputError(`${path} line ${i + 1}: expected a JSON object (one row), got ${Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v}`);
    }
    rows.push(v as Row);
  });
  return rows;
}

function readJson(path: string, text: string, ext: string): Row[] {
  if (ext === '.jsonl') return parseJsonLines(path, text);
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[')) {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (err) {
      throw new InputError(`${path}: invalid JSON: ${errorMessage(err)}`);
    }
    const arr = v as unknown[];
    arr.forEach((r, i) => {
      if (r === null || typeof r !== 'object' || Array.isArray(r)) {
        throw new InputError(`${path}: element ${i} of the top-level array is not an object (one row)`);
      }
    });
    return arr as Row[];
  }
  // A .json file that is not an array: JSON Lines (one object per line), as Hugging Face's loader accepts.
  return parseJsonLines(path, text);
}

function columnsOf(rows: Row[]): string[] {
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) seen.add(k);
  return [...seen];
}

/**
 * Read one table file. `what` names the file's origin in messages (e.g. "data.train_files[0]").
 * Empty files, unknown extensions, unreadable or corrupt files are InputErrors naming the file.
 */
export async function readTable(file: string, options: { cwd?: string; what?: string } = {}): Promise<Table> {
  const what = options.what ? `${options.what}: ` : '';
  const path = isAbsolute(file) ? file : resolve(options.cwd ?? process.cwd(), file);
  const ext = extname(path).toLowerCase();
  if (!(TABLE_EXTENSIONS as readonly string[]).includes(ext)) {
    throw new InputError(`${what}unsupported file type '${ext || '(no extension)'}' for '${file}'; expected one of ${TABLE_EXTENSIONS.join(', ')}`);
  }
  if (!existsSync(path)) throw new InputError(`${what}file not found: '${file}' (looked at ${path})`);
  if (!statSync(path).isFile()) throw new InputError(`${what}'${file}' is not a file`);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new InputError(`${what}cannot read '${file}': ${errorMessage(err)}`, { cause: err });
  }
  if (bytes.byteLength === 0) throw new InputError(`${what}'${file}' is empty (0 bytes)`);
  let table: Table;
  if (ext === '.parquet') {
    try {
      table = await readParquet(path, bytes);
    } catch (err) {
      if (err instanceof InputError && what) throw new InputError(what + err.message, { cause: err });
      throw err;
    }
  } else {
    try {
      const rows = readJson(path, new TextDecoder('utf-8', { fatal: true }).decode(bytes), ext);
      table = { path, columns: columnsOf(rows), rows };
    } catch (err) {
      if (err instanceof InputError) throw new InputError(what + err.message, { cause: err });
      throw new InputError(`${what}cannot read '${file}': ${errorMessage(err)}`, { cause: err });
    }
  }
  if (table.rows.length === 0) throw new InputError(`${what}'${file}' has no rows`);
  return table;
}
