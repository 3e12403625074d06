/**
 * Safetensors writer for float32 tensors stored as F32, BF16 or F16. Like HF's writer it orders tensors by
 * element size (largest first) then name, pads the JSON header with spaces so the data starts at a multiple
 * of 8, and writes `__metadata__` first. Data is converted and written tensor by tensor (large tensors in
 * chunks), so saving never builds the whole file in memory.
 */
import { open, rename, rm } from 'node:fs/promises';
import { tempPathFor, trackTemp } from '../../util/atomic-write.js';
import { DTYPE_BYTES, assertLittleEndianHost, float32ToBytes, type WritableDtype } from './dtypes.js';

export interface TensorToWrite {
  name: string;
  shape: readonly number[];
  data: Float32Array;
  /** Storage dtype; the float32 data is rounded to nearest even for BF16/F16. */
  dtype: WritableDtype;
}

export interface WriteSafetensorsOptions {
  metadata?: Record<string, string>;
  /** Write to a temp file beside `path` and rename it into place (default true). */
  atomic?: boolean;
  /** Called with the number of tensor values just written (for progress). */
  onValues?: (count: number) => void;
}

/** Elements converted per write call, so a multi-GB tensor never needs a second full-size buffer. */
const CHUNK_ELEMENTS = 1 << 22;

interface Planned {
  tensor: TensorToWrite;
  start: number;
  end: number;
}

function plan(tensors: readonly TensorToWrite[]): { planned: Planned[]; dataBytes: number } {
  const seen = new Set<string>();
  for (const t of tensors) {
    if (t.name === '__metadata__') throw new Error(`'__metadata__' cannot be used as a tensor name`);
    if (seen.has(t.name)) throw new Error(`tensor '${t.name}' is listed twice`);
    seen.add(t.name);
    const numel = t.shape.reduce((a, b) => a * b, 1);
    if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new Error(`tensor '${t.name}': invalid shape [${t.shape.join(', ')}]`);
    if (numel !== t.data.length) throw new Error(`tensor '${t.name}': shape [${t.shape.join(', ')}] has ${numel} elements but the data has ${t.data.length}`);
  }
  const ordered = [...tensors].sort((a, b) => DTYPE_BYTES[b.dtype] - DTYPE_BYTES[a.dtype] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let offset = 0;
  const planned = ordered.map((tensor) => {
    const start = offset;
    offset += tensor.data.length * DTYPE_BYTES[tensor.dtype];
    return { tensor, start, end: offset };
  });
  return { planned, dataBytes: offset };
}

/** The 8-byte length prefix plus the space-padded JSON header for `tensors`. */
export function safetensorsHeaderBytes(tensors: readonly TensorToWrite[], metadata?: Record<string, string>): Uint8Array {
  return encodeHeader(plan(tensors).planned, metadata);
}

function encodeHeader(planned: readonly Planned[], metadata: Record<string, string> | undefined): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  for (const p of planned) header[p.tensor.name] = { dtype: p.tensor.dtype, shape: [...p.tensor.shape], data_offsets: [p.start, p.end] };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded).fill(0x20);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  return out;
}

/** Write `tensors` to `path`. Returns the file size in bytes. */
export async function writeSafetensors(path: string, tensors: readonly TensorToWrite[], options: WriteSafetensorsOptions = {}): Promise<number> {
  assertLittleEndianHost();
  const { planned, dataBytes } = plan(tensors);
  const header = encodeHeader(planned, options.metadata);
  const atomic = options.atomic ?? true;
  const target = atomic ? tempPathFor(path) : path;
  const untrack = atomic ? trackTemp(target) : () => undefined;
  const fh = await open(target, 'w');
  try {
    await fh.write(header, 0, header.length, 0);
    let position = header.length;
    for (const { tensor } of planned) {
      for (let i = 0; i < tensor.data.length; i += CHUNK_ELEMENTS) {
        const bytes = float32ToBytes(tensor.dtype, tensor.data.subarray(i, Math.min(tensor.data.length, i + CHUNK_ELEMENTS)));
        await fh.write(bytes, 0, bytes.length, position);
        position += bytes.length;
        options.onValues?.(Math.min(tensor.data.length, i + CHUNK_ELEMENTS) - i);
      }
    }
    await fh.close();
    if (atomic) await rename(target, path);
  } catch (err) {
    await fh.close().catch(() => undefined);
    if (atomic) await rm(target, { force: true });
    throw err;
  } finally {
    untrack();
  }
  return header.length + dataBytes;
}

/** Bytes a tensor takes in a file with storage dtype `dtype`. */
export function storedBytes(numel: number, dtype: WritableDtype): number {
  return numel * DTYPE_BYTES[dtype];
}
