/** Shared pieces of the model-compute tests: fixture paths, batches from nested lists, comparisons. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { Batch } from '../../src/data/batch.js';
import { Tensor } from '../../src/data/tensor.js';
import { Engine } from '../../src/engine/index.js';
import type { SequenceBatch } from '../../src/models/index.js';

export const FIX = new URL('../fixtures/', import.meta.url).pathname;

/** One engine for a test file: sessions are cached by graph hash, so models of one file share them. */
export const engine = new Engine();

export function readJson<T>(rel: string): T {
  return JSON.parse(readFileSync(join(FIX, rel), 'utf8')) as T;
}

export function flat(rows: readonly (readonly number[])[]): number[] {
  return rows.flatMap((r) => [...r]);
}

/** A [B, T] verl-layout SequenceBatch from nested lists. */
export function sequenceBatch(ids: number[][], mask: number[][], responseLength: number, positions?: number[][]): SequenceBatch {
  return {
    batchSize: ids.length,
    length: ids[0].length,
    inputIds: flat(ids),
    attentionMask: flat(mask),
    positionIds: positions ? flat(positions) : undefined,
    responseLength,
  };
}

/** Right-pad variable-length rows with 0 and score every token after the first (what `verl-ts score` does). */
export function wholeSequences(rows: number[][]): SequenceBatch {
  const T = Math.max(...rows.map((r) => r.length));
  const ids = rows.map((r) => [...r, ...new Array<number>(T - r.length).fill(0)]);
  const mask = rows.map((r) => [...new Array<number>(r.length).fill(1), ...new Array<number>(T - r.length).fill(0)]);
  return sequenceBatch(ids, mask, T - 1);
}

/** A left-padded prompt Batch (input_ids, attention_mask) from variable-length prompts. */
export function promptBatch(prompts: number[][], pad = 0): Batch {
  const P = Math.max(...prompts.map((p) => p.length));
  const ids = prompts.map((p) => [...new Array<number>(P - p.length).fill(pad), ...p]);
  const mask = prompts.map((p) => [...new Array<number>(P - p.length).fill(0), ...new Array<number>(p.length).fill(1)]);
  return Batch.from({ tensors: { input_ids: Tensor.fromRows('int32', ids, P), attention_mask: Tensor.fromRows('int32', mask, P) } });
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * Every element within its own tolerance, |a − b| ≤ atol + rtol·|b| (numpy's allclose), so a small element
 * is not excused by a large one elsewhere in the tensor; the failure names the worst element.
 */
export function expectAllClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: { rtol: number; atol: number }, label: string): void {
  expect(a.length, label).toBe(b.length);
  let worst = -1;
  let excess = 0;
  for (let i = 0; i < a.length; i++) {
    // NaN counts as the worst possible miss, never as a pass.
    const diff = Math.abs(a[i] - b[i]);
    const over = Number.isNaN(diff) ? Infinity : diff - (tol.atol + tol.rtol * Math.abs(b[i]));
    if (over > excess) [worst, excess] = [i, over];
  }
  expect(worst < 0 ? 'all elements within tolerance' : `${label}[${worst}]: got ${a[worst]}, expected ${b[worst]}`).toBe('all elements within tolerance');
}

/** Rows of a [B, W] row-major array as nested lists. */
export function rowsOf(data: ArrayLike<number>, width: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < data.length; i += width) out.push(Array.from({ length: width }, (_, t) => data[i + t]));
  return out;
}
