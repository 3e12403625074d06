/**
 * Safetensors element types and the float conversions verl-ts needs: checkpoints arrive as BF16/F16/F32 and
 * are computed in float32. Conversions are bit-exact with torch: bf16→f32 and f16→f32 are exact widenings,
 * f32→bf16 and f32→f16 round to nearest, ties to even (torch's `.to(torch.bfloat16)` / `.to(torch.float16)`).
 * Float data must be in a Float32Array whose byteOffset is a multiple of 4 (any typed array verl-ts makes).
 */
import { endianness } from 'node:os';

export const SAFETENSORS_DTYPES = [
  'F64', 'F32', 'F16', 'BF16', 'I64', 'I32', 'I16', 'I8', 'U64', 'U32', 'U16', 'U8', 'BOOL', 'F8_E4M3', 'F8_E5M2',
] as const;
export type SafetensorsDtype = (typeof SAFETENSORS_DTYPES)[number];

/** Bytes per element of each dtype. */
export const DTYPE_BYTES: Readonly<Record<SafetensorsDtype, number>> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1, BOOL: 1, F8_E4M3: 1, F8_E5M2: 1,
};

/** Dtypes verl-ts can convert to float32 when reading. */
export const READABLE_DTYPES: ReadonlySet<SafetensorsDtype> = new Set(
  SAFETENSORS_DTYPES.filter((d) => d !== 'F8_E4M3' && d !== 'F8_E5M2'),
);

/** Dtypes verl-ts writes (weights are float32 in memory; a checkpoint stores them in one of these). */
export type WritableDtype = 'F32' | 'BF16' | 'F16';
export const FLOAT_DTYPES: ReadonlySet<SafetensorsDtype> = new Set(['F64', 'F32', 'F16', 'BF16']);

export function isSafetensorsDtype(s: string): s is SafetensorsDtype {
  return (SAFETENSORS_DTYPES as readonly string[]).includes(s);
}

/** HF config `dtype`/`torch_dtype` names for the float dtypes a checkpoint may be saved in. */
export type TorchFloatDtype = 'float32' | 'bfloat16' | 'float16';
export const TORCH_TO_SAFETENSORS: Readonly<Record<TorchFloatDtype, WritableDtype>> = { float32: 'F32', bfloat16: 'BF16', float16: 'F16' };

/** Typed-array views assume a little-endian host, as the safetensors format is little-endian. */
export function assertLittleEndianHost(): void {
  if (endianness() !== 'LE') throw new Error('verl-ts reads and writes safetensors only on little-endian machines');
}

export function bf16BitsToF32(src: Uint16Array, dst: Float32Array): void {
  const out = new Uint32Array(dst.buffer, dst.byteOffset, dst.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i] << 16;
}

/**
 * Round to nearest even on the top 16 bits, as torch does; NaN becomes 0xFFFF, what torch's vectorised
 * float→bfloat16 conversion (the path `.to(torch.bfloat16)` takes on x86) produces.
 */
export function f32ToBf16Bits(src: Float32Array, dst: Uint16Array): void {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  for (let i = 0; i < src.length; i++) {
    const u = bits[i];
    if ((u & 0x7fffffff) > 0x7f800000) {
      dst[i] = 0xffff;
      continue;
    }
    dst[i] = ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
  }
}

let f16Table: Float32Array | null = null;

/** All 65536 half-precision values as float32 (256 KiB), built on first use. */
function halfToFloatTable(): Float32Array {
  if (f16Table) return f16Table;
  const bits = new Uint32Array(65536);
  const asFloat = new Float32Array(bits.buffer);
  for (let h = 0; h < 65536; h++) {
    const sign = (h & 0x8000) << 16;
    const exp = (h >>> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0) {
      asFloat[h] = (sign ? -1 : 1) * mant * 2 ** -24; // zero or subnormal: exact in float32
    } else if (exp === 31) {
      bits[h] = (sign | 0x7f800000 | (mant << 13)) >>> 0; // inf / NaN with its payload
    } else {
      bits[h] = (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
    }
  }
  f16Table = asFloat;
  return asFloat;
}

export function f16BitsToF32(src: Uint16Array, dst: Float32Array): void {
  const table = halfToFloatTable();
  for (let i = 0; i < src.length; i++) dst[i] = table[src[i]];
}

/** float32 → IEEE half with round to nearest even, overflow to ±inf, gradual underflow; NaN → 0x7E00 (torch). */
export function f32ToF16Bits(src: Float32Array, dst: Uint16Array): void {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  for (let i = 0; i < src.length; i++) {
    const u = bits[i];
    const sign = (u >>> 16) & 0x8000;
    const exp = (u >>> 23) & 0xff;
    const mant = u & 0x7fffff;
    if (exp === 0xff) {
      dst[i] = mant !== 0 ? 0x7e00 | sign : 0x7c00 | sign;
      continue;
    }
    const e = exp - 112; // re-biased exponent (127 → 15)
    if (e >= 31) {
      dst[i] = sign | 0x7c00;
    } else if (e <= 0) {
      const shift = 14 - e; // 14..: the half subnormal unit is 2^-24
      if (shift > 24) {
        dst[i] = sign;
        continue;
      }
      const m = mant | 0x800000;
      const kept = m >>> shift;
      const rem = m - kept * 2 ** shift;
      const half = 2 ** (shift - 1);
      const rounded = rem > half || (rem === half && (kept & 1) === 1) ? kept + 1 : kept;
      dst[i] = sign | rounded;
    } else {
      const kept = mant >>> 13;
      const rem = mant & 0x1fff;
      const rounded = rem > 0x1000 || (rem === 0x1000 && (kept & 1) === 1) ? kept + 1 : kept;
      dst[i] = sign | ((e << 10) + rounded); // a carry out of the mantissa bumps the exponent (to inf at the top)
    }
  }
}

/** Convert a tensor's raw little-endian bytes (an 8-byte-aligned copy) to float32. */
export function bytesToFloat32(dtype: SafetensorsDtype, bytes: Uint8Array, count: number): Float32Array {
  const buf = bytes.buffer;
  const off = bytes.byteOffset;
  switch (dtype) {
    case 'F32':
      return new Float32Array(buf, off, count);
    case 'BF16': {
      const out = new Float32Array(count);
      bf16BitsToF32(new Uint16Array(buf, off, count), out);
      return out;
    }
    case 'F16': {
      const out = new Float32Array(count);
      f16BitsToF32(new Uint16Array(buf, off, count), out);
      return out;
    }
    case 'F64':
      return Float32Array.from(new Float64Array(buf, off, count));
    case 'I64':
      return Float32Array.from(new BigInt64Array(buf, off, count), (x) => Number(x));
    case 'U64':
      return Float32Array.from(new BigUint64Array(buf, off, count), (x) => Number(x));
    case 'I32':
      return Float32Array.from(new Int32Array(buf, off, count));
    case 'U32':
      return Float32Array.from(new Uint32Array(buf, off, count));
    case 'I16':
      return Float32Array.from(new Int16Array(buf, off, count));
    case 'U16':
      return Float32Array.from(new Uint16Array(buf, off, count));
    case 'I8':
      return Float32Array.from(new Int8Array(buf, off, count));
    case 'U8':
      return Float32Array.from(new Uint8Array(buf, off, count));
    case 'BOOL':
      return Float32Array.from(new Uint8Array(buf, off, count), (x) => (x !== 0 ? 1 : 0));
    case 'F8_E4M3':
    case 'F8_E5M2':
      throw new Error(`dtype ${dtype} cannot be converted to float32`);
  }
}

/** Encode float32 values as `dtype` little-endian bytes. */
export function float32ToBytes(dtype: WritableDtype, data: Float32Array): Uint8Array {
  switch (dtype) {
    case 'F32':
      return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    case 'BF16': {
      const out = new Uint16Array(data.length);
      f32ToBf16Bits(data, out);
      return new Uint8Array(out.buffer);
    }
    case 'F16': {
      const out = new Uint16Array(data.length);
      f32ToF16Bits(data, out);
      return new Uint8Array(out.buffer);
    }
  }
}
