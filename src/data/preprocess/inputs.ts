/**
 * Finding a raw dataset's split files: `--local_dataset_path` (alias `--input`) names either one file, or a
 * directory searched recursively for .parquet/.jsonl/.json files whose names start with the split name
 * (Hugging Face layouts such as main/train-00000-of-00001.parquet, or GSM8K's train.jsonl).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { InputError } from '../../util/errors.js';
import { TABLE_EXTENSIONS, readTable } from '../io/read-rows.js';
import type { Row } from '../io/read-rows.js';

export interface SplitInput {
  split: string;
  files: string[];
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(p));
    else if (TABLE_EXTENSIONS.some((e) => entry.name.toLowerCase().endsWith(e))) out.push(p);
  }
  return out.sort();
}

/** The files of each split under `input` (a file counts as the split its name starts with, else the first split). */
export function findSplitInputs(input: string, splits: readonly string[], cwd: string): SplitInput[] {
  const path = isAbsolute(input) ? input : resolve(cwd, input);
  if (!existsSync(path)) throw new InputError(`--local_dataset_path: '${input}' does not exist (looked at ${path})`);
  if (statSync(path).isFile()) {
    const name = basename(path).toLowerCase();
    return [{ split: splits.find((s) => name.startsWith(s)) ?? splits[0], files: [path] }];
  }
  const all = walk(path);
  const found = splits.map((split) => ({ split, files: all.filter((f) => basename(f).toLowerCase().startsWith(split)) }));
  const missing = found.filter((f) => f.files.length === 0).map((f) => f.split);
  if (missing.length) {
    throw new InputError(
      `--local_dataset_path: no ${missing.join(' or ')} file under '${input}' (looked for ${TABLE_EXTENSIONS.join('/')} files whose names start with ${missing.map((m) => `'${m}'`).join(' or ')}; found ${all.length ? all.map((f) => relative(path, f)).join(', ') : 'none'})`,
    );
  }
  return found;
}

/** All rows of a split's files, each with its file and row number for messages. */
export async function readSplitRows(input: SplitInput): Promise<Array<{ row: Row; where: string }>> {
  const out: Array<{ row: Row; where: string }> = [];
  for (const file of input.files) {
    const table = await readTable(file);
    table.rows.forEach((row, i) => out.push({ row, where: `row ${i} of '${file}'` }));
  }
  return out;
}

/** A required string column of a raw row, or an InputError naming the row and the columns it has. */
export function requireString(row: Row, column: string, where: string): string {
  const v = row[column];
  if (typeof v !== 'string') {
    const cols = Object.keys(row);
    throw new InputError(
      v === undefined
        ? `${where}: no column '${column}' (columns: ${cols.join(', ')})`
        : `${where}: column '${column}' must be a string, got ${v === null ? 'null' : typeof v}`,
    );
  }
  return v;
}
