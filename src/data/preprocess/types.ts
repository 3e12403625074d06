/**
 * A preprocessor turns a raw dataset (or a generator's parameters) into verl-schema rows, split by split.
 * The `verl-ts data <task>` command looks them up by name in the registry and writes
 * `<local_save_dir>/<split>.parquet` for each split.
 */
import type { Row } from '../io/read-rows.js';
import type { TableSchema } from '../io/value-type.js';
import type { ProgressStream } from '../../util/progress.js';

export interface PreprocessOption {
  /** Flag name as on verl's scripts (snake_case), e.g. "max_number". */
  name: string;
  type: 'string' | 'number' | 'boolean';
  describe: string;
  default?: string | number | boolean;
  /** Further accepted spellings, e.g. "input" for "local_dataset_path". */
  aliases?: string[];
}

export type PreprocessArgs = Record<string, string | number | boolean | undefined>;

export interface PreprocessContext {
  cwd: string;
  log: (line: string) => void;
  /** Where the progress of writing each split is reported (a terminal gets a bar); none by default. */
  progress?: ProgressStream;
}

/**
 * One output split: its rows in memory, or (for large generated sets) an iterable that makes them while they
 * are written, with their number. Splits are written in order, each iterated once.
 */
export type Split = { name: string; rows: Row[] } | { name: string; count: number; rows: Iterable<Row> };

export function splitSize(split: Split): number {
  return 'count' in split ? split.count : split.rows.length;
}

export interface PreprocessResult {
  splits: Split[];
  /** Explicit parquet schema of the output rows. */
  schema: TableSchema;
}

export interface Preprocessor {
  name: string;
  describe: string;
  /** verl's data_source value for the rows it writes. */
  dataSource: string;
  options: PreprocessOption[];
  run: (args: PreprocessArgs, ctx: PreprocessContext) => Promise<PreprocessResult>;
}
