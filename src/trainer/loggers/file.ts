/**
 * The `file` logger: verl's JSONL metrics file, one `{"step": N, "data": {...}}` line per step, and its
 * reader (the one definition of the format for everything that reads metrics back).
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InputError, errorMessage } from '../../util/errors.js';
import { checkStep, type LoggerOptions, type MetricsLogger } from './types.js';

export const FILE_LOGGER_PATH_ENV = 'VERL_FILE_LOGGER_PATH';

/** `$VERL_FILE_LOGGER_PATH` (relative to the working directory) or `<runDir>/metrics.jsonl`. */
export function metricsFilePath(o: Pick<LoggerOptions, 'env' | 'runDir'>): string {
  const fromEnv = o.env[FILE_LOGGER_PATH_ENV];
  return fromEnv ? resolve(fromEnv) : join(o.runDir, 'metrics.jsonl');
}

/**
 * Appends one line per call and leaves nothing buffered, so a crash loses at most the line being written.
 * A resumed run appends to the same file, so a step logged before the crash can appear twice: readers keep
 * the last line for a step. JSON has no NaN or Infinity: a non-finite metric is written as null.
 */
export class FileLogger implements MetricsLogger {
  private closed = false;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
  }

  log(metrics: Record<string, number>, step: number): void {
    checkStep(step);
    if (this.closed) throw new Error(`file logger: log() after close() (${this.path})`);
    appendFileSync(this.path, `${JSON.stringify({ step, data: metrics })}\n`);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

export interface MetricsRecord {
  step: number;
  /** null where verl-ts logged a non-finite value; files written by verl itself may hold NaN and ±Infinity. */
  data: Record<string, number | null>;
}

// Python's json module writes NaN, Infinity and -Infinity as bare words; these stand in for them while parsing.
const PY_TOKENS: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };
const PLACEHOLDER = '\u0000py:';

/** Replace Python's bare non-finite words (outside strings) with placeholder strings the reviver turns back. */
function quotePythonNonFinite(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      out += ch;
      if (ch === '\\') out += text[++i] ?? '';
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    const word = ['-Infinity', 'Infinity', 'NaN'].find((w) => text.startsWith(w, i));
    if (word !== undefined) {
      out += JSON.stringify(PLACEHOLDER + word);
      i += word.length - 1;
    } else out += ch;
  }
  return out;
}

/** One JSON line as Python's json module writes it: standard JSON, or with bare NaN/Infinity/-Infinity. */
export function parsePythonJsonLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch (first) {
    try {
      return JSON.parse(quotePythonNonFinite(line), (_key, value: unknown) =>
        typeof value === 'string' && value.startsWith(PLACEHOLDER) ? PY_TOKENS[value.slice(PLACEHOLDER.length)] : value,
      );
    } catch {
      throw first;
    }
  }
}

/**
 * Every record of a metrics JSONL file in file order (verl-ts's or verl's own; extra keys such as verl's
 * `elapsed_seconds` are ignored). Blank lines are skipped, and so is an unparseable last line with no
 * newline after it: the line a killed process was writing.
 */
export function readMetricsJsonl(path: string): MetricsRecord[] {
  return readPythonJsonLines(path, 'metrics file', toRecord);
}

/**
 * The records of a JSON Lines file that verl or verl-ts wrote (metrics, dumps), each line parsed as Python's json
 * writes it and checked by `toRecord` (given the `file:line` to name in its errors). Blank lines are skipped, and
 * so is an unparseable last line with no newline after it: the line a killed process was writing.
 */
export function readPythonJsonLines<T>(file: string, kind: string, toRecord: (value: unknown, where: string) => T): T[] {
  if (!existsSync(file)) throw new InputError(`${file}: ${kind} not found`);
  const lines = readFileSync(file, 'utf8').split('\n');
  const records: T[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const where = `${file}:${i + 1}`;
    let value: unknown;
    try {
      value = parsePythonJsonLine(line);
    } catch (err) {
      if (i === lines.length - 1) break;
      throw new InputError(`${where}: not valid JSON (${errorMessage(err)})`);
    }
    records.push(toRecord(value, where));
  }
  return records;
}

function toRecord(value: unknown, where: string): MetricsRecord {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InputError(`${where}: expected an object {"step": N, "data": {...}}`);
  const { step, data } = value as Record<string, unknown>;
  if (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 0) throw new InputError(`${where}: "step" must be a non-negative integer, got ${JSON.stringify(step)}`);
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new InputError(`${where}: "data" must be an object of metric values`);
  for (const [key, v] of Object.entries(data)) {
    if (v !== null && typeof v !== 'number') throw new InputError(`${where}: metric '${key}' must be a number or null, got ${JSON.stringify(v)}`);
  }
  return { step, data: data as Record<string, number | null> };
}
