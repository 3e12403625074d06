/** Element types the engine's graphs use, with their ONNX codes and JS array types. */
export type DType = 'float32' | 'float64' | 'int64' | 'bool';

/** TensorProto.DataType codes (onnx.proto). */
export const ONNX_DTYPE_CODE: Readonly<Record<DType, number>> = { float32: 1, float64: 11, int64: 7, bool: 9 };

export type FloatArray = Float32Array | Float64Array;
/** What a tensor of each dtype holds in JS (bool comes back from ORT as Uint8Array). */
export type TypedArrayOf<D extends DType> = D extends 'float32'
  ? Float32Array
  : D extends 'float64'
    ? Float64Array
    : D extends 'int64'
      ? BigInt64Array
      : Uint8Array;
export type AnyTypedArray = Float32Array | Float64Array | BigInt64Array | Uint8Array;

export function isFloat(dtype: DType): dtype is 'float32' | 'float64' {
  return dtype === 'float32' || dtype === 'float64';
}

export function bytesPerElement(dtype: DType): number {
  return dtype === 'float64' || dtype === 'int64' ? 8 : dtype === 'float32' ? 4 : 1;
}

export function allocate(dtype: DType, size: number): AnyTypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size);
    case 'float64':
      return new Float64Array(size);
    case 'int64':
      return new BigInt64Array(size);
    case 'bool':
      return new Uint8Array(size);
  }
}

/** The dtype a JS array would be fed as, or undefined for arrays the engine does not accept. */
export function dtypeOfArray(data: unknown): DType | undefined {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Uint8Array) return 'bool';
  return undefined;
}

/** Token ids and positions arrive as plain numbers; ORT wants int64. */
export function toInt64(values: ArrayLike<number>): BigInt64Array {
  const out = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = BigInt(values[i]);
  return out;
}
