/**
 * The one array type of the algorithm core: a dense row-major [rows, cols] matrix of float64, used for every
 * [B, T] quantity (rewards, masks, log-probs, advantages, losses). Rows are trajectories, columns are response
 * positions. The trainer converts from the engine's Float32Arrays at the boundary.
 */
import { InputError } from '../util/errors.js';

export interface Mat {
  readonly data: Float64Array;
  readonly rows: number;
  readonly cols: number;
}

export function zeros(rows: number, cols: number): Mat {
  if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(cols) || cols < 0) {
    throw new InputError(`matrix shape must be two non-negative integers, got [${rows}, ${cols}]`);
  }
  return { data: new Float64Array(rows * cols), rows, cols };
}

export function zerosLike(m: Mat): Mat {
  return zeros(m.rows, m.cols);
}

/** Wrap existing data (not copied); `data.length` must equal rows·cols. */
export function matOf(data: Float64Array, rows: number, cols: number): Mat {
  if (data.length !== rows * cols) {
    throw new InputError(`matrix data has ${data.length} elements, expected ${rows}·${cols} = ${rows * cols}`);
  }
  return { data, rows, cols };
}

/** A matrix from nested rows, e.g. `fromRows([[1, 2], [3, 4]])`; all rows must have one length. */
export function fromRows(rows: ReadonlyArray<ArrayLike<number>>, what = 'matrix'): Mat {
  const cols = rows.length === 0 ? 0 : rows[0].length;
  const out = zeros(rows.length, cols);
  rows.forEach((row, i) => {
    if (row.length !== cols) throw new InputError(`${what}: row ${i} has ${row.length} columns, expected ${cols}`);
    for (let t = 0; t < cols; t++) out.data[i * cols + t] = row[t];
  });
  return out;
}

export function toRows(m: Mat): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < m.rows; i++) out.push(Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
  return out;
}

export function cloneMat(m: Mat): Mat {
  return { data: Float64Array.from(m.data), rows: m.rows, cols: m.cols };
}

/** Element-wise map over one or more same-shape matrices. */
export function mapMat(m: Mat, f: (x: number, k: number) => number): Mat {
  const out = zerosLike(m);
  for (let k = 0; k < m.data.length; k++) out.data[k] = f(m.data[k], k);
  return out;
}

/** Plain per-row sums (no masking), summed left to right. */
export function rowSums(m: Mat): Float64Array {
  const out = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) {
    let s = 0;
    for (let t = 0; t < m.cols; t++) s += m.data[i * m.cols + t];
    out[i] = s;
  }
  return out;
}

/** Throws a clear error unless `m` has the shape of `like` (names appear in the message). */
export function assertSameShape(m: Mat, like: Mat, name: string, likeName: string, where: string): void {
  if (m.rows !== like.rows || m.cols !== like.cols) {
    throw new InputError(
      `${where}: ${name} has shape [${m.rows}, ${m.cols}], expected [${like.rows}, ${like.cols}] (the shape of ${likeName})`,
    );
  }
}

/** Throws unless `v` has one entry per row of `like`. */
export function assertRowVector(v: ArrayLike<unknown>, like: Mat, name: string, where: string): void {
  if (v.length !== like.rows) {
    throw new InputError(`${where}: ${name} has ${v.length} entries, expected one per row (${like.rows})`);
  }
}
