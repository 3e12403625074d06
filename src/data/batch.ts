/**
 * Batch: verl's DataProto idea. Named, equally long columns — tensors (typed arrays, shape [B] or [B, T]) and
 * per-row non-tensor values (strings, objects) — plus free-form meta info. Every operation returns a new
 * Batch; columns an operation does not change are shared, columns it reorders or slices are copied.
 * Treat a Batch's typed arrays as read-only unless you created them.
 */
import { UserError } from '../util/errors.js';
import { didYouMean } from '../util/suggest.js';
import { Tensor } from './tensor.js';
import type { TensorData } from './tensor.js';

/** Misuse of a batch: a missing column, mismatched lengths, sizes that do not divide. */
export class BatchError extends UserError {}

export type Meta = Record<string, unknown>;

export interface BatchInit {
  tensors?: Record<string, Tensor>;
  nonTensors?: Record<string, readonly unknown[]>;
  meta?: Meta;
}

export class Batch {
  readonly size: number;
  private readonly tensorMap: ReadonlyMap<string, Tensor>;
  private readonly nonTensorMap: ReadonlyMap<string, readonly unknown[]>;
  readonly meta: Readonly<Meta>;

  private constructor(size: number, tensors: Map<string, Tensor>, nonTensors: Map<string, readonly unknown[]>, meta: Meta) {
    this.size = size;
    this.tensorMap = tensors;
    this.nonTensorMap = nonTensors;
    this.meta = Object.freeze({ ...meta });
  }

  /** Build a batch; every column must have the same number of rows. */
  static from(init: BatchInit): Batch {
    const tensors = new Map(Object.entries(init.tensors ?? {}));
    const nonTensors = new Map(Object.entries(init.nonTensors ?? {}));
    return Batch.checked(tensors, nonTensors, init.meta ?? {});
  }

  private static checked(tensors: Map<string, Tensor>, nonTensors: Map<string, readonly unknown[]>, meta: Meta): Batch {
    let size: number | null = null;
    let first = '';
    const check = (name: string, n: number) => {
      if (size === null) {
        size = n;
        first = name;
      } else if (n !== size) {
        throw new BatchError(`batch columns differ in length: '${first}' has ${size} rows, '${name}' has ${n}`);
      }
    };
    for (const [name, t] of tensors) check(name, t.rows);
    for (const [name, v] of nonTensors) {
      if (tensors.has(name)) throw new BatchError(`batch column '${name}' is given both as a tensor and as a non-tensor column`);
      check(name, v.length);
    }
    return new Batch(size ?? 0, tensors, nonTensors, meta);
  }

  get length(): number {
    return this.size;
  }

  tensorNames(): string[] {
    return [...this.tensorMap.keys()];
  }

  nonTensorNames(): string[] {
    return [...this.nonTensorMap.keys()];
  }

  columnNames(): string[] {
    return [...this.tensorNames(), ...this.nonTensorNames()];
  }

  has(name: string): boolean {
    return this.tensorMap.has(name) || this.nonTensorMap.has(name);
  }

  hasTensor(name: string): boolean {
    return this.tensorMap.has(name);
  }

  private missing(name: string, kind: string): BatchError {
    const names = this.columnNames();
    return new BatchError(
      `batch has no ${kind} column '${name}'. Columns: ${names.length ? names.join(', ') : '(none)'}.` + didYouMean(name, names),
    );
  }

  tensor(name: string): Tensor {
    const t = this.tensorMap.get(name);
    if (!t) throw this.missing(name, 'tensor');
    return t;
  }

  /** A tensor column that must be int32 (token ids, masks). */
  ints(name: string): Tensor<Int32Array> {
    const t = this.tensor(name);
    if (!(t.data instanceof Int32Array)) throw new BatchError(`batch column '${name}' is ${t.dtype}, expected int32`);
    return t as Tensor<Int32Array>;
  }

  /** A tensor column that must be floating point. */
  floats(name: string): Tensor<Float32Array | Float64Array> {
    const t = this.tensor(name);
    if (t.data instanceof Int32Array) throw new BatchError(`batch column '${name}' is int32, expected float32 or float64`);
    return t as Tensor<Float32Array | Float64Array>;
  }

  /** A non-tensor column (one value per row). */
  column<T = unknown>(name: string): readonly T[] {
    const v = this.nonTensorMap.get(name);
    if (!v) throw this.missing(name, 'non-tensor');
    return v as readonly T[];
  }

  /** Keep only the named columns (tensor or non-tensor); meta is kept. */
  select(names: readonly string[]): Batch {
    const tensors = new Map<string, Tensor>();
    const nonTensors = new Map<string, readonly unknown[]>();
    for (const name of names) {
      const t = this.tensorMap.get(name);
      if (t) tensors.set(name, t);
      else if (this.nonTensorMap.has(name)) nonTensors.set(name, this.column(name));
      else throw this.missing(name, '');
    }
    return new Batch(this.size, tensors, nonTensors, { ...this.meta });
  }

  /** Drop the named columns (absent names are an error). */
  drop(names: readonly string[]): Batch {
    for (const name of names) if (!this.has(name)) throw this.missing(name, '');
    const gone = new Set(names);
    return this.select(this.columnNames().filter((n) => !gone.has(n)));
  }

  /** Add or replace a tensor column. */
  withTensor(name: string, tensor: Tensor): Batch {
    if (this.nonTensorMap.has(name)) throw new BatchError(`batch column '${name}' is a non-tensor column; cannot replace it with a tensor`);
    if (this.columnNames().length > 0 && tensor.rows !== this.size) {
      throw new BatchError(`tensor '${name}' has ${tensor.rows} rows, the batch has ${this.size}`);
    }
    const tensors = new Map(this.tensorMap);
    tensors.set(name, tensor);
    return Batch.checked(tensors, new Map(this.nonTensorMap), { ...this.meta });
  }

  /** Add or replace a non-tensor column. */
  withColumn(name: string, values: readonly unknown[]): Batch {
    if (this.tensorMap.has(name)) throw new BatchError(`batch column '${name}' is a tensor column; cannot replace it with a non-tensor column`);
    if (this.columnNames().length > 0 && values.length !== this.size) {
      throw new BatchError(`column '${name}' has ${values.length} rows, the batch has ${this.size}`);
    }
    const nonTensors = new Map(this.nonTensorMap);
    nonTensors.set(name, values);
    return Batch.checked(new Map(this.tensorMap), nonTensors, { ...this.meta });
  }

  /** Merge meta info (later keys win). */
  withMeta(meta: Meta): Batch {
    return new Batch(this.size, new Map(this.tensorMap), new Map(this.nonTensorMap), { ...this.meta, ...meta });
  }

  /** Rows [start, end) (copied). */
  slice(start: number, end: number = this.size): Batch {
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > this.size || start > end) {
      throw new BatchError(`slice [${start}, ${end}) is out of range for a batch of ${this.size}`);
    }
    const tensors = new Map<string, Tensor>();
    for (const [name, t] of this.tensorMap) tensors.set(name, t.sliceRows(start, end));
    const nonTensors = new Map<string, readonly unknown[]>();
    for (const [name, v] of this.nonTensorMap) nonTensors.set(name, v.slice(start, end));
    return new Batch(end - start, tensors, nonTensors, { ...this.meta });
  }

  /** Rows in the order given by `indices` (a permutation, a subset, or with repeats). */
  take(indices: readonly number[]): Batch {
    for (const i of indices) {
      if (!Number.isInteger(i) || i < 0 || i >= this.size) {
        throw new BatchError(`row index ${i} is out of range for a batch of ${this.size}`);
      }
    }
    const tensors = new Map<string, Tensor>();
    for (const [name, t] of this.tensorMap) tensors.set(name, t.gather(indices));
    const nonTensors = new Map<string, readonly unknown[]>();
    for (const [name, v] of this.nonTensorMap) nonTensors.set(name, indices.map((i) => v[i]));
    return new Batch(indices.length, tensors, nonTensors, { ...this.meta });
  }

  /**
   * Consecutive chunks of `size` rows (mini- or micro-batches). With `exact`, a batch that `size` does not
   * divide is an error naming `what`; otherwise the last chunk holds the remainder.
   */
  split(size: number, options: { exact?: boolean; what?: string } = {}): Batch[] {
    if (!Number.isInteger(size) || size <= 0) {
      throw new BatchError(`${options.what ?? 'split size'} must be a positive integer, got ${size}`);
    }
    if (options.exact && this.size % size !== 0) {
      throw new BatchError(
        `${options.what ?? 'split size'} ${size} does not divide the batch of ${this.size} rows ` +
          `(${this.size} = ${Math.floor(this.size / size)} × ${size} + ${this.size % size})`,
      );
    }
    const out: Batch[] = [];
    for (let start = 0; start < this.size; start += size) out.push(this.slice(start, Math.min(start + size, this.size)));
    return out;
  }

  /** `n` nearly equal consecutive chunks (the first ones one row larger when `n` does not divide the size). */
  chunk(n: number): Batch[] {
    if (!Number.isInteger(n) || n <= 0) throw new BatchError(`chunk count must be a positive integer, got ${n}`);
    const base = Math.floor(this.size / n);
    const extra = this.size % n;
    const out: Batch[] = [];
    let start = 0;
    for (let i = 0; i < n; i++) {
      const len = base + (i < extra ? 1 : 0);
      out.push(this.slice(start, start + len));
      start += len;
    }
    return out;
  }

  /**
   * Repeat every row `n` times. Interleaved (default, verl's rollout.n): row i becomes rows i·n … i·n+n−1.
   * Otherwise the whole batch is tiled n times.
   */
  repeat(n: number, options: { interleave?: boolean } = {}): Batch {
    if (!Number.isInteger(n) || n <= 0) throw new BatchError(`repeat count must be a positive integer, got ${n}`);
    const interleave = options.interleave ?? true;
    const indices: number[] = [];
    if (interleave) {
      for (let i = 0; i < this.size; i++) for (let k = 0; k < n; k++) indices.push(i);
    } else {
      for (let k = 0; k < n; k++) for (let i = 0; i < this.size; i++) indices.push(i);
    }
    return this.take(indices);
  }

  /** Rows of several batches one after another. Columns must match; meta comes from the first batch. */
  static concat(batches: readonly Batch[]): Batch {
    if (batches.length === 0) throw new BatchError('Batch.concat needs at least one batch');
    const first = batches[0];
    const key = (b: Batch) => `${b.tensorNames().sort().join(',')} | ${b.nonTensorNames().sort().join(',')}`;
    for (const [i, b] of batches.entries()) {
      if (key(b) !== key(first)) {
        throw new BatchError(`Batch.concat: batch ${i} has columns [${b.columnNames().join(', ')}], batch 0 has [${first.columnNames().join(', ')}]`);
      }
    }
    const tensors = new Map<string, Tensor>();
    for (const name of first.tensorNames()) {
      try {
        tensors.set(name, Tensor.concat(batches.map((b) => b.tensor(name) as Tensor<TensorData>)));
      } catch (err) {
        throw new BatchError(`Batch.concat: column '${name}': ${(err as Error).message}`);
      }
    }
    const nonTensors = new Map<string, readonly unknown[]>();
    for (const name of first.nonTensorNames()) nonTensors.set(name, batches.flatMap((b) => [...b.column(name)]));
    return Batch.checked(tensors, nonTensors, { ...first.meta });
  }

  /**
   * Add the columns and meta of `other` (same number of rows). A column present in both must hold the same
   * data (verl's union rule); otherwise it is an error.
   */
  union(other: Batch): Batch {
    if (this.columnNames().length > 0 && other.columnNames().length > 0 && other.size !== this.size) {
      throw new BatchError(`Batch.union: batches differ in size (${this.size} vs ${other.size})`);
    }
    const tensors = new Map(this.tensorMap);
    for (const name of other.tensorNames()) {
      const mine = this.tensorMap.get(name);
      const theirs = other.tensor(name);
      if (mine && mine !== theirs && !sameTensor(mine, theirs)) {
        throw new BatchError(`Batch.union: tensor '${name}' exists in both batches with different values`);
      }
      tensors.set(name, mine ?? theirs);
    }
    const nonTensors = new Map(this.nonTensorMap);
    for (const name of other.nonTensorNames()) {
      const mine = this.nonTensorMap.get(name);
      const theirs = other.column(name);
      if (mine && mine !== theirs && JSON.stringify(mine, jsonSafe) !== JSON.stringify(theirs, jsonSafe)) {
        throw new BatchError(`Batch.union: column '${name}' exists in both batches with different values`);
      }
      nonTensors.set(name, mine ?? theirs);
    }
    for (const key of Object.keys(other.meta)) {
      if (key in this.meta && JSON.stringify(this.meta[key], jsonSafe) !== JSON.stringify(other.meta[key], jsonSafe)) {
        throw new BatchError(`Batch.union: meta '${key}' differs between the batches`);
      }
    }
    return Batch.checked(tensors, nonTensors, { ...this.meta, ...other.meta });
  }

  /** Pad tensor column `name` ([B, T]) to `width` with `value` on `side`. */
  padTensor(name: string, width: number, options: { value?: number; side?: 'left' | 'right' } = {}): Batch {
    return this.withTensor(name, this.tensor(name).padTo(width, options.value ?? 0, options.side ?? 'right'));
  }

  /** One row as a plain object: tensors as typed-array views of that row, non-tensors as they are. */
  row(i: number): Record<string, unknown> {
    if (!Number.isInteger(i) || i < 0 || i >= this.size) throw new BatchError(`row ${i} is out of range for a batch of ${this.size}`);
    const out: Record<string, unknown> = {};
    for (const [name, t] of this.tensorMap) out[name] = t.shape.length === 1 ? t.data[i] : t.row(i);
    for (const [name, v] of this.nonTensorMap) out[name] = v[i];
    return out;
  }
}

function sameTensor(a: Tensor, b: Tensor): boolean {
  if (a.dtype !== b.dtype || a.shape.join(',') !== b.shape.join(',')) return false;
  for (let i = 0; i < a.data.length; i++) {
    if (!Object.is(a.data[i], b.data[i])) return false;
  }
  return true;
}

function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
