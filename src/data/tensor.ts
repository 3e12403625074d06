/**
 * A dense, row-major tensor whose first dimension is the batch: shape [B] or [B, T] (higher ranks are allowed
 * and treated as [B, rowSize]). Storage is one typed array; the dtype follows from its class.
 */
export type DType = 'int32' | 'float32' | 'float64';
export type TensorData = Int32Array | Float32Array | Float64Array;

type DataOf<D extends DType> = D extends 'int32' ? Int32Array : D extends 'float32' ? Float32Array : Float64Array;

export function dtypeOf(data: TensorData): DType {
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Float32Array) return 'float32';
  return 'float64';
}

export function allocate<D extends DType>(dtype: D, length: number): DataOf<D> {
  switch (dtype) {
    case 'int32':
      return new Int32Array(length) as DataOf<D>;
    case 'float32':
      return new Float32Array(length) as DataOf<D>;
    default:
      return new Float64Array(length) as DataOf<D>;
  }
}

/** A typed array of the same class as `like`. */
function allocateLike<A extends TensorData>(like: A, length: number): A {
  return allocate(dtypeOf(like), length) as A;
}

function product(dims: readonly number[]): number {
  let p = 1;
  for (const d of dims) p *= d;
  return p;
}

export class Tensor<A extends TensorData = TensorData> {
  readonly data: A;
  readonly shape: readonly number[];

  constructor(data: A, shape: readonly number[]) {
    if (shape.length === 0) throw new RangeError('Tensor: a batch tensor needs at least one dimension (the batch)');
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new RangeError(`Tensor: bad shape [${shape.join(', ')}]`);
    }
    if (product(shape) !== data.length) {
      throw new RangeError(`Tensor: shape [${shape.join(', ')}] needs ${product(shape)} elements, data has ${data.length}`);
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
  }

  static zeros<D extends DType>(dtype: D, shape: readonly number[]): Tensor<DataOf<D>> {
    return new Tensor(allocate(dtype, product(shape)), shape);
  }

  /** Stack equally long rows into a [B, T] tensor (T = `width` or the common row length). */
  static fromRows<D extends DType>(dtype: D, rows: readonly ArrayLike<number>[], width?: number): Tensor<DataOf<D>> {
    const t = width ?? (rows.length ? rows[0].length : 0);
    const out = allocate(dtype, rows.length * t);
    rows.forEach((row, i) => {
      if (row.length !== t) throw new RangeError(`Tensor.fromRows: row ${i} has ${row.length} values, expected ${t}`);
      out.set(row, i * t);
    });
    return new Tensor(out, [rows.length, t]);
  }

  get dtype(): DType {
    return dtypeOf(this.data);
  }

  /** Batch size (first dimension). */
  get rows(): number {
    return this.shape[0];
  }

  /** Elements per batch row (product of the trailing dimensions; 1 for shape [B]). */
  get rowSize(): number {
    return product(this.shape.slice(1));
  }

  /** Last dimension (T for [B, T]); 1 for shape [B]. */
  get width(): number {
    return this.shape.length === 1 ? 1 : this.shape[this.shape.length - 1];
  }

  /** A view (no copy) of row `i`. */
  row(i: number): A {
    const n = this.rowSize;
    return this.data.subarray(i * n, (i + 1) * n) as A;
  }

  /** A new tensor holding rows `indices` (in that order; repeats allowed). */
  gather(indices: readonly number[]): Tensor<A> {
    const n = this.rowSize;
    const out = allocateLike(this.data, indices.length * n);
    indices.forEach((src, dst) => {
      if (!Number.isInteger(src) || src < 0 || src >= this.rows) {
        throw new RangeError(`row index ${src} is out of range for a batch of ${this.rows}`);
      }
      out.set(this.data.subarray(src * n, (src + 1) * n), dst * n);
    });
    return new Tensor(out, [indices.length, ...this.shape.slice(1)]);
  }

  /** Rows [start, end) as a copy. */
  sliceRows(start: number, end: number): Tensor<A> {
    const n = this.rowSize;
    return new Tensor(this.data.slice(start * n, end * n) as A, [end - start, ...this.shape.slice(1)]);
  }

  /** Pad (or keep) the last dimension of a [B, T] tensor to `width` with `value`, on the left or the right. */
  padTo(width: number, value: number, side: 'left' | 'right' = 'right'): Tensor<A> {
    if (this.shape.length !== 2) throw new RangeError(`padTo needs a [B, T] tensor, got shape [${this.shape.join(', ')}]`);
    const [b, t] = this.shape;
    if (width < t) throw new RangeError(`padTo: width ${width} is smaller than the current width ${t}`);
    if (width === t) return this;
    const out = allocateLike(this.data, b * width);
    out.fill(value);
    const offset = side === 'left' ? width - t : 0;
    for (let i = 0; i < b; i++) out.set(this.data.subarray(i * t, (i + 1) * t), i * width + offset);
    return new Tensor(out, [b, width]);
  }

  /** Plain nested arrays (for JSON, tests and dumps). */
  toNested(): number[] | number[][] {
    if (this.shape.length === 1) return Array.from(this.data);
    const out: number[][] = [];
    for (let i = 0; i < this.rows; i++) out.push(Array.from(this.row(i)));
    return out;
  }

  static concat<A extends TensorData>(parts: readonly Tensor<A>[]): Tensor<A> {
    if (parts.length === 0) throw new RangeError('Tensor.concat needs at least one tensor');
    const tail = parts[0].shape.slice(1);
    const dtype = parts[0].dtype;
    let total = 0;
    for (const p of parts) {
      if (p.dtype !== dtype) throw new RangeError(`Tensor.concat: dtype ${p.dtype} does not match ${dtype}`);
      if (p.shape.slice(1).join(',') !== tail.join(',')) {
        throw new RangeError(`Tensor.concat: shape [${p.shape.join(', ')}] does not match [*, ${tail.join(', ')}]`);
      }
      total += p.data.length;
    }
    const out = allocateLike(parts[0].data, total);
    let offset = 0;
    let rows = 0;
    for (const p of parts) {
      out.set(p.data, offset);
      offset += p.data.length;
      rows += p.rows;
    }
    return new Tensor(out, [rows, ...tail]);
  }
}
