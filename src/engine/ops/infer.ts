/** Shared shape- and dtype-inference helpers for the op specs (broadcasting, dtype checks, axis handling). */
import type { TensorType } from '../attrs.js';
import { type Dim, dimEq, formatShape, normDim } from '../dims.js';
import type { DType } from '../dtype.js';
import { GraphBuildError } from '../errors.js';

export function fail(message: string): never {
  throw new GraphBuildError(message);
}

export function req(t: TensorType | null, what: string): TensorType {
  if (!t) fail(`missing ${what}`);
  return t;
}

/** Numpy-style broadcast of two shapes; names the disagreeing dimension. */
export function broadcastShapes(a: readonly Dim[], b: readonly Dim[]): Dim[] {
  const n = Math.max(a.length, b.length);
  const out: Dim[] = new Array<Dim>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (dimEq(da, db)) out[i] = normDim(da);
    else if (da === 1) out[i] = normDim(db);
    else if (db === 1) out[i] = normDim(da);
    else fail(`shapes ${formatShape(a)} and ${formatShape(b)} do not broadcast: dimension ${i - n} is ${da} vs ${db}`);
  }
  return out;
}

export function sameDtype(ts: ReadonlyArray<TensorType | null>): DType {
  const present = ts.filter((t): t is TensorType => t !== null);
  const d = present[0].dtype;
  for (const t of present) if (t.dtype !== d) fail(`dtypes disagree: ${present.map((x) => x.dtype).join(' vs ')}`);
  return d;
}

export function requireFloat(t: TensorType, what: string): void {
  if (t.dtype !== 'float32' && t.dtype !== 'float64') fail(`${what} must be float32 or float64, got ${t.dtype}`);
}

export function requireDtype(t: TensorType, dtype: DType, what: string): void {
  if (t.dtype !== dtype) fail(`${what} must be ${dtype}, got ${t.dtype}`);
}
