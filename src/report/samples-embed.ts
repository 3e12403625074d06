/**
 * Rollout and validation dumps packed for the report page: per step, one gzip-compressed JSON block (base64)
 * whose strings are stored once (a prompt repeats rollout.n times), so a large dump stays a small page that
 * decodes a step only when it is opened.
 */
import { gzipSync } from 'node:zlib';
import { dumpFilePath, readDumpRecords, type TrajectoryRecord } from '../trainer/dump-file.js';
import type { DumpDir } from './run-dir.js';

/** What the page decodes for one step: columns of indices into `strings`, scores, and the reward extras. */
export interface PackedStep {
  strings: string[];
  input: number[];
  output: number[];
  gts: number[];
  score: Array<number | null>;
  extras: Record<string, number[]>;
}

export interface EmbeddedStep {
  step: number;
  rows: number;
  /** Base64 of the gzip of PackedStep's JSON. */
  payload: string;
}

const RECORD_KEYS = new Set(['input', 'output', 'gts', 'score', 'step']);

function asText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  return JSON.stringify(v);
}

export function packRecords(records: readonly TrajectoryRecord[]): PackedStep {
  const strings: string[] = [];
  const index = new Map<string, number>();
  const ref = (v: unknown): number => {
    const s = asText(v);
    let i = index.get(s);
    if (i === undefined) {
      i = strings.length;
      strings.push(s);
      index.set(s, i);
    }
    return i;
  };
  const extraKeys = [...new Set(records.flatMap((r) => Object.keys(r).filter((k) => !RECORD_KEYS.has(k))))];
  return {
    strings,
    input: records.map((r) => ref(r.input)),
    output: records.map((r) => ref(r.output)),
    gts: records.map((r) => ref(r.gts)),
    score: records.map((r) => (Number.isFinite(r.score) ? r.score : null)),
    extras: Object.fromEntries(extraKeys.map((k) => [k, records.map((r) => ref(r[k]))])),
  };
}

export function embedDumps(dumps: DumpDir): EmbeddedStep[] {
  return dumps.steps.map((step) => {
    const records = readDumpRecords(dumpFilePath(dumps.dir, step));
    return { step, rows: records.length, payload: gzipSync(JSON.stringify(packRecords(records))).toString('base64') };
  });
}
