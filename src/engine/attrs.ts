/** Typed ONNX attributes and constant-tensor data for the graph builder. */
import type { DType } from './dtype.js';
import type { Dim } from './dims.js';

/** Constant tensor data: literal values, a dtype and a static shape. */
export interface ConstData {
  readonly dtype: DType;
  readonly dims: readonly number[];
  readonly values: Float32Array | Float64Array | BigInt64Array | Uint8Array;
}

/**
 * ONNX attributes carry an explicit type because ORT rejects a FLOAT attribute written as INT (2.0 vs 2).
 * Build them with the `attr` helpers.
 */
export type Attr =
  | { readonly type: 'int'; readonly value: number }
  | { readonly type: 'float'; readonly value: number }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'ints'; readonly value: readonly number[] }
  | { readonly type: 'floats'; readonly value: readonly number[] }
  | { readonly type: 'tensor'; readonly value: ConstData };

export const attr = {
  int: (value: number): Attr => ({ type: 'int', value }),
  float: (value: number): Attr => ({ type: 'float', value }),
  string: (value: string): Attr => ({ type: 'string', value }),
  ints: (value: readonly number[]): Attr => ({ type: 'ints', value }),
  floats: (value: readonly number[]): Attr => ({ type: 'floats', value }),
  tensor: (value: ConstData): Attr => ({ type: 'tensor', value }),
};

export type Attrs = Readonly<Record<string, Attr>>;

export interface TensorType {
  readonly dtype: DType;
  readonly shape: readonly Dim[];
}

export function attrInt(attrs: Attrs, name: string, fallback: number): number {
  const a = attrs[name];
  return a && (a.type === 'int' || a.type === 'float') ? a.value : fallback;
}

export function attrFloat(attrs: Attrs, name: string, fallback: number): number {
  const a = attrs[name];
  return a && (a.type === 'float' || a.type === 'int') ? a.value : fallback;
}

export function attrInts(attrs: Attrs, name: string): readonly number[] | undefined {
  const a = attrs[name];
  return a && a.type === 'ints' ? a.value : undefined;
}

export function attrString(attrs: Attrs, name: string, fallback: string): string {
  const a = attrs[name];
  return a && a.type === 'string' ? a.value : fallback;
}
