/**
 * What the scoring, training and value graphs take: a [B, T] batch of token ids in verl's layout (left-padded
 * prompt ‖ right-padded response), its attention mask and position ids, and how many trailing positions are
 * the response. Checked in JS before a run, so a bad id or shape is an error naming the row, not an ORT failure.
 */
import type { Feed } from '../../engine/index.js';
import type { Batch } from '../../data/batch.js';
import { positionIdsFromMask } from '../../data/prompt.js';
import { InputError } from '../../util/errors.js';
import type { ModelSpec } from '../hf/config.js';
import { checkSequenceLength } from '../hf/config.js';
import { invFreqForLength } from '../hf/rope.js';
import type { ComputeDtype } from './decoder.js';
import { IO } from './graphs.js';

export interface SequenceBatch {
  readonly batchSize: number;
  /** T: tokens per row (prompt width + response width). */
  readonly length: number;
  /** [B·T] row-major token ids. */
  readonly inputIds: ArrayLike<number>;
  /** [B·T] 1 for real tokens, 0 for padding. */
  readonly attentionMask: ArrayLike<number>;
  /** [B·T]; default verl's clip(cumsum(mask) − 1, 0) per row. */
  readonly positionIds?: ArrayLike<number>;
  /** R: the last R tokens of each row are scored (1 ≤ R ≤ T − 1). */
  readonly responseLength: number;
}

/** A verl-style Batch (input_ids, attention_mask, position_ids [B, T]; responses [B, R]) as a SequenceBatch. */
export function sequenceBatchFromBatch(batch: Batch): SequenceBatch {
  const ids = batch.ints('input_ids');
  if (ids.shape.length !== 2) throw new InputError(`batch column 'input_ids' must be [B, T], got [${ids.shape.join(', ')}]`);
  const [rows, length] = ids.shape;
  const mask = batch.tensor('attention_mask');
  const responses = batch.tensor('responses');
  if (mask.shape.join() !== ids.shape.join()) {
    throw new InputError(`batch column 'attention_mask' has shape [${mask.shape.join(', ')}], input_ids has [${ids.shape.join(', ')}]`);
  }
  if (responses.shape.length !== 2) throw new InputError(`batch column 'responses' must be [B, R], got [${responses.shape.join(', ')}]`);
  const positions = batch.hasTensor('position_ids') ? batch.tensor('position_ids') : null;
  if (positions && positions.shape.join() !== ids.shape.join()) {
    throw new InputError(`batch column 'position_ids' has shape [${positions.shape.join(', ')}], input_ids has [${ids.shape.join(', ')}]`);
  }
  return {
    batchSize: rows,
    length,
    inputIds: ids.data,
    attentionMask: mask.data,
    positionIds: positions?.data,
    responseLength: responses.shape[1],
  };
}

/** Row b of a row-major [rows, width] array (a view for typed arrays). */
export function rowOf(values: ArrayLike<number>, b: number, width: number): ArrayLike<number> {
  const start = b * width;
  return ArrayBuffer.isView(values)
    ? (values as unknown as Int32Array).subarray(start, start + width)
    : Array.prototype.slice.call(values, start, start + width);
}

/** verl's compute_position_id_with_mask over a [rows, width] mask. */
export function batchPositionIds(mask: ArrayLike<number>, rows: number, width: number): Int32Array {
  const out = new Int32Array(rows * width);
  for (let b = 0; b < rows; b++) out.set(positionIdsFromMask(rowOf(mask, b, width)), b * width);
  return out;
}

/** Throws an InputError for shapes, ids or lengths the model cannot take. */
export function checkSequenceBatch(sb: SequenceBatch, spec: ModelSpec): void {
  const { batchSize: B, length: T, responseLength: R } = sb;
  if (!Number.isInteger(B) || B < 1) throw new InputError(`a scoring batch needs at least one row, got ${B}`);
  if (!Number.isInteger(T) || T < 2) throw new InputError(`sequences must have at least 2 tokens to score one, got length ${T}`);
  if (!Number.isInteger(R) || R < 1 || R > T - 1) throw new InputError(`response length must be between 1 and ${T - 1} (sequence length − 1), got ${R}`);
  const n = B * T;
  for (const [name, arr] of [['input_ids', sb.inputIds], ['attention_mask', sb.attentionMask], ['position_ids', sb.positionIds]] as const) {
    if (arr !== undefined && arr.length !== n) throw new InputError(`${name} has ${arr.length} values, expected ${B} × ${T} = ${n}`);
  }
  checkTokenIds(sb.inputIds, spec.vocabSize, T);
  checkSequenceLength(spec, T);
}

/** Every id must index the embedding table; the error names the row and position. */
export function checkTokenIds(ids: ArrayLike<number>, vocabSize: number, width: number): void {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
      throw new InputError(`token id ${id} at row ${Math.floor(i / width)}, position ${i % width} is outside the vocabulary [0, ${vocabSize})`);
    }
  }
}

export function toInt64Array(values: ArrayLike<number>): BigInt64Array {
  const out = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = BigInt(values[i]);
  return out;
}

/** inv_freq for sequences whose largest position id is `maxPosition` (only dynamic RoPE depends on it). */
export function invFreqFeed(spec: ModelSpec, maxPosition: number, dtype: ComputeDtype): Float32Array | Float64Array {
  const inv = spec.rope.ropeType === 'dynamic' ? invFreqForLength(spec.rope, maxPosition + 1) : spec.rope.invFreq;
  return dtype === 'float64' ? Float64Array.from(inv) : inv;
}

function maxOf(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) if (values[i] > m) m = values[i];
  return m;
}

/** Feeds of the token-stats and value graphs (inputs, mask, positions, responses, inv_freq). */
export function sequenceFeeds(sb: SequenceBatch, spec: ModelSpec, dtype: ComputeDtype): Record<string, Feed> {
  const { batchSize: B, length: T, responseLength: R } = sb;
  const positions = sb.positionIds ?? batchPositionIds(sb.attentionMask, B, T);
  const responses = new BigInt64Array(B * R);
  for (let b = 0; b < B; b++) for (let r = 0; r < R; r++) responses[b * R + r] = BigInt(sb.inputIds[b * T + T - R + r]);
  return {
    [IO.inputIds]: { data: toInt64Array(sb.inputIds), dims: [B, T] },
    [IO.attentionMask]: { data: toInt64Array(sb.attentionMask), dims: [B, T] },
    [IO.positionIds]: { data: toInt64Array(positions), dims: [B, T] },
    [IO.responses]: { data: responses, dims: [B, R] },
    [IO.invFreq]: { data: invFreqFeed(spec, maxOf(positions), dtype), dims: [spec.headDim / 2] },
  };
}
