/**
 * A key/value cache owned by JS: per layer one keys and one values buffer [rows, KV, capacity, D], plus which
 * slots of each row hold a real token. The step graph reads the buffers as inputs (zero-copy) and returns only
 * the new token's keys/values, which `appendSlot` writes into the next slot; so a step moves O(rows·KV·D)
 * values instead of the whole cache (docs/models.md, "KV cache").
 *
 * All rows share one slot index: prompts are left-padded to the same width and every row advances one token per
 * step, so slot = prompt width + step. Padding slots stay invalid. Capacity grows in blocks (copying once per
 * block) and finished rows can be dropped (`keepRows`, in place) so later steps compute only for live rows.
 *
 * Fresh buffers cost a page fault per 4 KiB on first touch, which made filling the cache the largest JS cost of a
 * rollout; a `KvBufferPool` hands a released cache's buffers to the next one (the decoder keeps one pool).
 * Slots the next cache does not fill are zeroed, so a recycled cache holds exactly what a fresh one would.
 */
import type { FloatArray, TensorValue } from '../../engine/index.js';
import type { ComputeDtype } from './decoder.js';
import { IO } from './graphs.js';

export interface KvCacheShape {
  readonly layers: number;
  readonly kvHeads: number;
  readonly headDim: number;
}

function allocate(dtype: ComputeDtype, n: number): FloatArray {
  return dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
}

/** Buffers of released caches, lent to the next cache of the same dtype that fits in them. */
export class KvBufferPool {
  private spare: FloatArray[] = [];

  /** A buffer of at least `n` values (possibly longer, holding stale values), fresh when none fits. */
  take(dtype: ComputeDtype, n: number): { buffer: FloatArray; recycled: boolean } {
    const i = this.spare.findIndex((b) => b.length >= n && (b instanceof Float64Array) === (dtype === 'float64'));
    if (i < 0) return { buffer: allocate(dtype, n), recycled: false };
    const [buffer] = this.spare.splice(i, 1);
    return { buffer, recycled: true };
  }

  give(buffers: readonly FloatArray[]): void {
    this.spare.push(...buffers);
  }
}

export class KvCache {
  /** Per layer, the backing arrays; rows [0, rows) of the current layout are at their start. */
  private keyBuffers: FloatArray[];
  private valueBuffers: FloatArray[];
  private validSlots: Uint8Array;
  private rowCount: number;
  private slotCapacity: number;
  private used = 0;
  /** Whether the backing arrays may hold values of an earlier cache (then slots are zeroed before use). */
  private readonly recycled: boolean;

  constructor(
    readonly shape: KvCacheShape,
    readonly dtype: ComputeDtype,
    rows: number,
    capacity: number,
    private readonly pool: KvBufferPool | null = null,
  ) {
    this.rowCount = rows;
    this.slotCapacity = capacity;
    const n = rows * shape.kvHeads * capacity * shape.headDim;
    let recycled = false;
    const take = (): FloatArray => {
      if (!pool) return allocate(dtype, n);
      const got = pool.take(dtype, n);
      recycled ||= got.recycled;
      return got.buffer;
    };
    this.keyBuffers = Array.from({ length: shape.layers }, take);
    this.valueBuffers = Array.from({ length: shape.layers }, take);
    this.recycled = recycled;
    this.validSlots = new Uint8Array(rows * capacity);
  }

  get rows(): number {
    return this.rowCount;
  }

  get capacity(): number {
    return this.slotCapacity;
  }

  /** Slots written so far (the same for every row). */
  get length(): number {
    return this.used;
  }

  /** Bytes held by the key/value buffers. */
  get bytes(): number {
    return 2 * this.shape.layers * this.keyBuffers[0].byteLength;
  }

  /**
   * Fill slots [0, width) of every row from a prefill run: `keys[l]`/`values[l]` are [sourceRows, KV, width, D]
   * and `mask` [sourceRows, width]; cache row r copies source row `source[r]` (n samples of one prompt share
   * one prefill).
   */
  fillFromPrefill(keys: readonly FloatArray[], values: readonly FloatArray[], mask: ArrayLike<number>, width: number, source: readonly number[]): void {
    if (source.length !== this.rowCount) throw new Error(`KvCache: ${source.length} source rows for ${this.rowCount} cache rows`);
    if (width > this.slotCapacity) throw new Error(`KvCache: a prompt of ${width} slots does not fit a capacity of ${this.slotCapacity}`);
    const { kvHeads: KV, headDim: D } = this.shape;
    const span = width * D;
    const stride = this.slotCapacity * D;
    for (let l = 0; l < this.shape.layers; l++) {
      for (let r = 0; r < this.rowCount; r++) {
        for (let h = 0; h < KV; h++) {
          const from = (source[r] * KV + h) * span;
          const to = (r * KV + h) * stride;
          this.keyBuffers[l].set(keys[l].subarray(from, from + span), to);
          this.valueBuffers[l].set(values[l].subarray(from, from + span), to);
          if (this.recycled) {
            this.keyBuffers[l].fill(0, to + span, to + stride);
            this.valueBuffers[l].fill(0, to + span, to + stride);
          }
        }
      }
    }
    for (let r = 0; r < this.rowCount; r++) {
      for (let t = 0; t < width; t++) this.validSlots[r * this.slotCapacity + t] = mask[source[r] * width + t] ? 1 : 0;
    }
    this.used = width;
  }

  /** Make room for at least `slots` slots, growing to a multiple of `block` (copies the cache once). */
  reserve(slots: number, block: number): void {
    if (slots <= this.slotCapacity) return;
    const capacity = Math.ceil(slots / block) * block;
    this.reshape(Array.from({ length: this.rowCount }, (_, r) => r), capacity);
  }

  /** Keep only these rows, in this order (drops finished rows so later steps skip them). */
  keepRows(rows: readonly number[]): void {
    if (!rows.every((src, r) => src >= 0 && src < this.rowCount && (r === 0 || src > rows[r - 1]))) {
      this.reshape(rows, this.slotCapacity);
      return;
    }
    // Ascending rows move towards the start of the same buffers, never over a row still to be read. Only the used
    // slots move: slots past `used` are zero in every row, so the destination's stay as a fresh copy would have them.
    const { kvHeads: KV, headDim: D } = this.shape;
    const stride = this.slotCapacity * D;
    const span = this.used * D;
    const buffers = [...this.keyBuffers, ...this.valueBuffers];
    rows.forEach((src, r) => {
      if (src === r) return;
      for (const b of buffers) for (let h = 0; h < KV; h++) b.copyWithin((r * KV + h) * stride, (src * KV + h) * stride, (src * KV + h) * stride + span);
      this.validSlots.copyWithin(r * this.slotCapacity, src * this.slotCapacity, (src + 1) * this.slotCapacity);
    });
    this.rowCount = rows.length;
  }

  /** Hand the buffers to the pool the cache was built with; the cache must not be used afterwards. */
  release(): void {
    this.pool?.give([...this.keyBuffers, ...this.valueBuffers]);
    this.keyBuffers = [];
    this.valueBuffers = [];
  }

  /** Write one slot for every row from a step's outputs [rows, KV, 1, D] per layer, and mark it valid. */
  appendSlot(keys: readonly FloatArray[], values: readonly FloatArray[]): void {
    if (this.used >= this.slotCapacity) throw new Error(`KvCache: full (${this.slotCapacity} slots); reserve() first`);
    const { kvHeads: KV, headDim: D } = this.shape;
    const slot = this.used;
    const heads = this.rowCount * KV;
    const stride = this.slotCapacity * D;
    for (let l = 0; l < this.shape.layers; l++) {
      const k = keys[l];
      const v = values[l];
      const kDst = this.keyBuffers[l];
      const vDst = this.valueBuffers[l];
      // A plain loop: D is small, and subarray() views per (row, head) cost more than the copy (measured).
      for (let rh = 0; rh < heads; rh++) {
        const to = rh * stride + slot * D;
        const from = rh * D;
        for (let d = 0; d < D; d++) {
          kDst[to + d] = k[from + d];
          vDst[to + d] = v[from + d];
        }
      }
    }
    for (let r = 0; r < this.rowCount; r++) this.validSlots[r * this.slotCapacity + slot] = 1;
    this.used = slot + 1;
  }

  /** The step graph's cache inputs: past_valid and past.<l>.key / past.<l>.value. */
  feeds(): Record<string, TensorValue> {
    const { kvHeads: KV, headDim: D } = this.shape;
    const dims = [this.rowCount, KV, this.slotCapacity, D];
    const n = this.rowCount * KV * this.slotCapacity * D;
    const view = (b: FloatArray) => (b.length === n ? b : b.subarray(0, n));
    const out: Record<string, TensorValue> = {
      [IO.pastValid]: { data: this.validSlots.subarray(0, this.rowCount * this.slotCapacity), dims: [this.rowCount, this.slotCapacity] },
    };
    for (let l = 0; l < this.shape.layers; l++) {
      out[IO.pastKey(l)] = { data: view(this.keyBuffers[l]), dims };
      out[IO.pastValue(l)] = { data: view(this.valueBuffers[l]), dims };
    }
    return out;
  }

  private reshape(rows: readonly number[], capacity: number): void {
    const { kvHeads: KV, headDim: D } = this.shape;
    const oldCap = this.slotCapacity;
    const span = this.used * D;
    const n = rows.length * KV * capacity * D;
    const move = (old: FloatArray): FloatArray => {
      const next = allocate(this.dtype, n);
      rows.forEach((src, r) => {
        for (let h = 0; h < KV; h++) {
          const from = (src * KV + h) * oldCap * D;
          next.set(old.subarray(from, from + span), (r * KV + h) * capacity * D);
        }
      });
      return next;
    };
    this.keyBuffers = this.keyBuffers.map(move);
    this.valueBuffers = this.valueBuffers.map(move);
    const valid = new Uint8Array(rows.length * capacity);
    rows.forEach((src, r) => valid.set(this.validSlots.subarray(src * oldCap, src * oldCap + this.used), r * capacity));
    this.validSlots = valid;
    this.rowCount = rows.length;
    this.slotCapacity = capacity;
  }
}
