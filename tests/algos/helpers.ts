/** Shared test helpers for the algorithm core: tolerant deep comparison, random inputs, finite differences. */
import { expect } from 'vitest';
import type { Mat } from '../../src/algos/index.js';
import { fromRows, toRows } from '../../src/algos/index.js';
import { Rng } from '../../src/util/rng.js';

export interface Tolerance {
  rel: number;
  abs: number;
}

/** The fixture tolerance: 1e-9 relative, with an absolute floor of 1e-12 for values near 0. */
export const FIXTURE_TOL: Tolerance = { rel: 1e-9, abs: 1e-12 };

export type Nested = number | boolean | null | Nested[];

function describeMismatch(path: string, actual: unknown, expected: unknown): string {
  return `${path}: got ${String(actual)}, expected ${String(expected)}`;
}

/** Collects every mismatch between `actual` and `expected` (nested arrays of numbers). */
export function mismatches(actual: unknown, expected: unknown, tol: Tolerance, path = '$', out: string[] = []): string[] {
  if (Array.isArray(expected)) {
    const arr = ArrayBuffer.isView(actual) ? Array.from(actual as unknown as ArrayLike<number>) : actual;
    if (!Array.isArray(arr) || arr.length !== expected.length) {
      out.push(`${path}: shape mismatch (got ${Array.isArray(arr) ? `length ${arr.length}` : typeof actual}, expected length ${expected.length})`);
      return out;
    }
    expected.forEach((e, i) => mismatches(arr[i], e, tol, `${path}[${i}]`, out));
    return out;
  }
  if (typeof expected === 'number' || expected === null) {
    const e = expected === null ? NaN : expected;
    if (typeof actual !== 'number') {
      out.push(describeMismatch(path, actual, e));
    } else if (Number.isNaN(e) || !Number.isFinite(e)) {
      if (!Object.is(actual, e) && !(Number.isNaN(actual) && Number.isNaN(e))) out.push(describeMismatch(path, actual, e));
    } else if (!(Math.abs(actual - e) <= tol.rel * Math.abs(e) + tol.abs)) {
      out.push(describeMismatch(path, actual, e) + ` (diff ${Math.abs(actual - e)})`);
    }
    return out;
  }
  if (actual !== expected) out.push(describeMismatch(path, actual, expected));
  return out;
}

export function expectClose(actual: unknown, expected: unknown, tol: Tolerance = FIXTURE_TOL, what = 'value'): void {
  const bad = mismatches(actual, expected, tol);
  expect(bad, `${what}: ${bad.slice(0, 5).join('; ')}${bad.length > 5 ? ` (+${bad.length - 5} more)` : ''}`).toEqual([]);
}

export function matToNested(m: Mat): number[][] {
  return toRows(m);
}

export function mat(rows: number[][]): Mat {
  return fromRows(rows);
}

/** Random [rows, cols] matrix with entries from `draw`. */
export function randomMat(rng: Rng, rows: number, cols: number, draw: (r: Rng) => number): Mat {
  return fromRows(Array.from({ length: rows }, () => Array.from({ length: cols }, () => draw(rng))));
}

/** 0/1 mask with at least one 1 per row (the last column forced on when a row came out empty). */
export function randomMask(rng: Rng, rows: number, cols: number, pOn = 0.5): Mat {
  const m = randomMat(rng, rows, cols, (r) => (r.next() < pOn ? 1 : 0));
  for (let i = 0; i < rows; i++) {
    let any = false;
    for (let t = 0; t < cols; t++) if (m.data[i * cols + t] !== 0) any = true;
    if (!any) m.data[i * cols + cols - 1] = 1;
  }
  return m;
}

/** Central finite-difference gradient of f at x (float64, step h). */
export function finiteDifference(f: (x: Float64Array) => number, x: Float64Array, h = 1e-6): Float64Array {
  const g = new Float64Array(x.length);
  for (let k = 0; k < x.length; k++) {
    const saved = x[k];
    x[k] = saved + h;
    const up = f(x);
    x[k] = saved - h;
    const down = f(x);
    x[k] = saved;
    g[k] = (up - down) / (2 * h);
  }
  return g;
}

export { Rng };
