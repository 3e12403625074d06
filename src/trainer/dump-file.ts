/**
 * Rollout and validation dump files (`trainer.rollout_data_dir` / `trainer.validation_data_dir`): verl's
 * `<step>.jsonl`, one trajectory per line. The writer and its reader: the one definition of the format for the
 * trainer and everything that reads dumps back (`verl-ts report`).
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../util/errors.js';
import { readPythonJsonLines } from './loggers/file.js';

/** One line of a dump: verl's keys input, output, gts, score, step, then every per-row reward extra. */
export interface TrajectoryRecord {
  input: string;
  output: string;
  gts: unknown;
  score: number;
  step: number;
  [extra: string]: unknown;
}

/** `{dir}/{step}.jsonl`, one object per trajectory (non-ASCII kept as is, like ensure_ascii=False). */
export function dumpRecords(dir: string, step: number, records: readonly TrajectoryRecord[]): string {
  mkdirSync(dir, { recursive: true });
  const file = dumpFilePath(dir, step);
  appendFileSync(file, records.map((r) => JSON.stringify(r)).join('\n') + (records.length ? '\n' : ''));
  return file;
}

/** The steps that have a dump in `dir` (files named `<step>.jsonl`), ascending; none when `dir` does not exist. */
export function dumpSteps(dir: string): number[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((name) => /^(\d+)\.jsonl$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

/** The dump file of `step` in `dir`. */
export function dumpFilePath(dir: string, step: number): string {
  return path.join(dir, `${step}.jsonl`);
}

/**
 * Every record of a dump file in file order. Blank lines are skipped, and so is an unparseable last line with no
 * newline after it (a run still writing, or killed mid-write). Dumps written by verl may hold Python's NaN; a
 * score that is NaN (null in verl-ts's own dumps, as JSON has no NaN) reads as NaN.
 */
export function readDumpRecords(file: string): TrajectoryRecord[] {
  return readPythonJsonLines(file, 'dump file', toRecord);
}

function toRecord(value: unknown, where: string): TrajectoryRecord {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InputError(`${where}: expected an object {"input": ..., "output": ..., "gts": ..., "score": ..., "step": ...}`);
  }
  const r = value as Record<string, unknown>;
  for (const key of ['input', 'output'] as const) {
    if (typeof r[key] !== 'string') throw new InputError(`${where}: "${key}" must be a string, got ${JSON.stringify(r[key]) ?? 'nothing'}`);
  }
  if (r.score !== null && typeof r.score !== 'number') throw new InputError(`${where}: "score" must be a number, got ${JSON.stringify(r.score) ?? 'nothing'}`);
  if (typeof r.step !== 'number' || !Number.isSafeInteger(r.step)) throw new InputError(`${where}: "step" must be an integer, got ${JSON.stringify(r.step) ?? 'nothing'}`);
  return { ...r, gts: r.gts ?? null, score: r.score ?? NaN } as TrajectoryRecord;
}
