/**
 * Padding that no row of a micro-batch uses is cut before a forward pass: prompt columns that are padding in every
 * row (left) and response columns past the longest response (right). Outputs are padded back to the full response
 * width with zeros (those positions are masked out everywhere) and upstream gradients are cut to match, so callers
 * never see the difference — only the work shrinks.
 */
import type { Batch } from '../data/batch.js';
import type { Tensor } from '../data/tensor.js';
import type { FloatArray } from '../engine/index.js';
import { sequenceBatchFromBatch, type SequenceBatch } from '../models/index.js';

export interface TrimmedBatch {
  input: SequenceBatch;
  rows: number;
  /** Response columns kept (the first `width` of `fullWidth`). */
  width: number;
  fullWidth: number;
}

function columnUsed(mask: ArrayLike<number>, rows: number, length: number, col: number): boolean {
  for (let i = 0; i < rows; i++) if (mask[i * length + col] !== 0) return true;
  return false;
}

function sliceCols<A extends ArrayLike<number> & { subarray?: unknown }>(src: ArrayLike<number>, rows: number, length: number, from: number, to: number, make: (n: number) => A & { [i: number]: number }): A {
  const w = to - from;
  const out = make(rows * w);
  for (let i = 0; i < rows; i++) for (let t = 0; t < w; t++) out[i * w + t] = src[i * length + from + t];
  return out;
}

export function trimBatch(batch: Batch): TrimmedBatch {
  const sb = sequenceBatchFromBatch(batch);
  const { batchSize: rows, length } = sb;
  const R = sb.responseLength;
  const P = length - R;
  let left = 0;
  while (left < P - 1 && !columnUsed(sb.attentionMask, rows, length, left)) left++;
  let width = R;
  while (width > 1 && !columnUsed(sb.attentionMask, rows, length, P + width - 1)) width--;
  if (left === 0 && width === R) return { input: sb, rows, width: R, fullWidth: R };
  const to = P + width;
  const ints = (n: number) => new Int32Array(n);
  const input: SequenceBatch = {
    batchSize: rows,
    length: to - left,
    inputIds: sliceCols(sb.inputIds, rows, length, left, to, ints),
    attentionMask: sliceCols(sb.attentionMask, rows, length, left, to, ints),
    positionIds: sb.positionIds === undefined ? undefined : sliceCols(sb.positionIds, rows, length, left, to, ints),
    responseLength: width,
  };
  return { input, rows, width, fullWidth: R };
}

/** A [rows, width] output as [rows, fullWidth], zeros on the right. */
export function padOutput<A extends Float32Array | Float64Array>(t: Tensor<A>, trim: TrimmedBatch): Tensor<A> {
  if (trim.width === trim.fullWidth) return t;
  return t.padTo(trim.fullWidth, 0, 'right');
}

/** A [rows, fullWidth] upstream gradient cut to the kept columns. */
export function cutUpstream(a: FloatArray, trim: TrimmedBatch): FloatArray {
  if (trim.width === trim.fullWidth) return a;
  const make = (n: number) => (a instanceof Float64Array ? new Float64Array(n) : new Float32Array(n));
  return sliceCols(a, trim.rows, trim.fullWidth, 0, trim.width, make);
}
