/**
 * Safetensors reader. A file is: 8-byte little-endian u64 header length N, N bytes of JSON header
 * `{name: {dtype, shape, data_offsets: [start, end]}, "__metadata__": {str: str}}`, then the raw row-major
 * little-endian data; offsets are relative to byte 8 + N. Only the header is read as text; each tensor's
 * byte range is read with positioned fs reads into a fresh (hence aligned) buffer, so files of any size work.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { InputError, errorMessage } from '../../util/errors.js';
import { didYouMean } from '../../util/suggest.js';
import {
  DTYPE_BYTES,
  READABLE_DTYPES,
  SAFETENSORS_DTYPES,
  assertLittleEndianHost,
  bytesToFloat32,
  isSafetensorsDtype,
  type SafetensorsDtype,
} from './dtypes.js';

export interface TensorInfo {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Number of elements (product of shape; 1 for a scalar). */
  numel: number;
  /** Absolute byte position of the tensor's data in the file. */
  fileOffset: number;
  byteLength: number;
}

/** A float32 tensor in memory: row-major data and its shape. */
export interface Float32Tensor {
  shape: number[];
  data: Float32Array;
}

/** A header larger than this is not a real safetensors file (HF's own reader refuses > 100 MB). */
const MAX_HEADER_BYTES = 100_000_000;
/** fs.readSync reads at most 2 GiB per call. */
const READ_CHUNK = 1 << 30;

export class SafetensorsFile {
  readonly path: string;
  readonly metadata: Readonly<Record<string, string>>;
  /** Tensors in the order of their data offsets. */
  readonly tensors: ReadonlyMap<string, TensorInfo>;
  private fd: number | null;

  private constructor(path: string, fd: number, metadata: Record<string, string>, tensors: Map<string, TensorInfo>) {
    this.path = path;
    this.fd = fd;
    this.metadata = metadata;
    this.tensors = tensors;
  }

  /** Open `path` and read and check its header; tensor data is read on demand. Call `close()` when done. */
  static open(path: string): SafetensorsFile {
    assertLittleEndianHost();
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (err) {
      throw new InputError(`cannot open safetensors file '${path}': ${errorMessage(err)}`, { cause: err });
    }
    try {
      const { metadata, tensors } = readHeader(path, fd);
      return new SafetensorsFile(path, fd, metadata, tensors);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  get names(): string[] {
    return [...this.tensors.keys()];
  }

  info(name: string): TensorInfo {
    const info = this.tensors.get(name);
    if (!info) {
      throw new InputError(`${this.path}: no tensor named '${name}'.${didYouMean(name, this.tensors.keys())}`);
    }
    return info;
  }

  /** The tensor's raw bytes, in a fresh buffer (8-byte aligned, so any typed-array view works). */
  readBytes(name: string): Uint8Array {
    const info = this.info(name);
    const out = new Uint8Array(info.byteLength);
    let done = 0;
    while (done < info.byteLength) {
      const want = Math.min(READ_CHUNK, info.byteLength - done);
      const got = readSync(this.openFd(), out, done, want, info.fileOffset + done);
      if (got === 0) throw new InputError(`${this.path}: file ended inside tensor '${name}' (truncated file?)`);
      done += got;
    }
    return out;
  }

  /** The tensor converted to float32 (exact for F32/F16/BF16; integers above 2^24 lose precision). */
  readFloat32(name: string): Float32Tensor {
    const info = this.info(name);
    if (!READABLE_DTYPES.has(info.dtype)) {
      throw new InputError(`${this.path}: tensor '${name}' has dtype ${info.dtype}, which verl-ts cannot read (8-bit floats are not supported)`);
    }
    return { shape: [...info.shape], data: bytesToFloat32(info.dtype, this.readBytes(name), info.numel) };
  }

  close(): void {
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
    }
  }

  private openFd(): number {
    if (this.fd === null) throw new Error(`safetensors file '${this.path}' is closed`);
    return this.fd;
  }
}

/** Run `fn` with an open file and close it afterwards. */
export function withSafetensorsFile<T>(path: string, fn: (file: SafetensorsFile) => T): T {
  const file = SafetensorsFile.open(path);
  try {
    return fn(file);
  } finally {
    file.close();
  }
}

/** Read every tensor of a file as float32 (convenience for small files and tests). */
export function readSafetensorsFloat32(path: string): { metadata: Record<string, string>; tensors: Map<string, Float32Tensor> } {
  return withSafetensorsFile(path, (f) => {
    const tensors = new Map<string, Float32Tensor>();
    for (const name of f.names) tensors.set(name, f.readFloat32(name));
    return { metadata: { ...f.metadata }, tensors };
  });
}

function readExactly(fd: number, length: number, position: number): Uint8Array {
  const buf = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const got = readSync(fd, buf, done, length - done, position + done);
    if (got === 0) break;
    done += got;
  }
  return buf.subarray(0, done);
}

function isNonNegativeInt(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function readHeader(path: string, fd: number): { metadata: Record<string, string>; tensors: Map<string, TensorInfo> } {
  const fileSize = fstatSync(fd).size;
  const fail = (msg: string): never => {
    throw new InputError(`${path}: ${msg}`);
  };
  if (fileSize < 8) fail(`not a safetensors file: ${fileSize} bytes, shorter than the 8-byte header length`);
  const lenBytes = readExactly(fd, 8, 0);
  const headerLen = new DataView(lenBytes.buffer).getBigUint64(0, true);
  if (headerLen > BigInt(MAX_HEADER_BYTES)) fail(`not a safetensors file: header length ${headerLen} is larger than 100 MB`);
  const n = Number(headerLen);
  if (8 + n > fileSize) fail(`not a safetensors file: header length ${n} runs past the end of the ${fileSize}-byte file`);
  const text = new TextDecoder('utf-8', { fatal: false }).decode(readExactly(fd, n, 8));
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (err) {
    fail(`header is not valid JSON (${errorMessage(err)})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail('header must be a JSON object');
  const dataStart = 8 + n;
  const dataSize = fileSize - dataStart;
  let metadata: Record<string, string> = {};
  const tensors: TensorInfo[] = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(`'__metadata__' must be an object of strings`);
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`'__metadata__.${k}' must be a string, got ${JSON.stringify(v)}`);
      }
      metadata = { ...(value as Record<string, string>) };
      continue;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(`tensor '${name}': entry must be an object`);
    const entry = value as Record<string, unknown>;
    const dtype = entry.dtype;
    if (typeof dtype !== 'string' || !isSafetensorsDtype(dtype)) {
      fail(`tensor '${name}': unknown dtype ${JSON.stringify(dtype)}.${typeof dtype === 'string' ? didYouMean(dtype, SAFETENSORS_DTYPES) : ''}`);
    }
    const shape = entry.shape;
    if (!Array.isArray(shape) || !shape.every(isNonNegativeInt)) fail(`tensor '${name}': shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
    const offsets = entry.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegativeInt) || offsets[1] < offsets[0]) {
      fail(`tensor '${name}': data_offsets must be [start, end] with 0 <= start <= end, got ${JSON.stringify(offsets)}`);
    }
    const dims = shape as number[];
    const [start, end] = offsets as [number, number];
    const numel = dims.reduce((a, b) => a * b, 1);
    const need = numel * DTYPE_BYTES[dtype as SafetensorsDtype];
    if (end - start !== need) {
      fail(`tensor '${name}': data_offsets [${start}, ${end}] hold ${end - start} bytes but dtype ${dtype} with shape [${dims.join(', ')}] needs ${need}`);
    }
    if (end > dataSize) fail(`tensor '${name}' ends at data byte ${end} but the file has only ${dataSize} data bytes (truncated file?)`);
    tensors.push({ name, dtype: dtype as SafetensorsDtype, shape: dims, numel, fileOffset: dataStart + start, byteLength: need });
  }
  tensors.sort((a, b) => a.fileOffset - b.fileOffset || a.byteLength - b.byteLength);
  const nonEmpty = tensors.filter((t) => t.byteLength > 0);
  for (let i = 1; i < nonEmpty.length; i++) {
    const prev = nonEmpty[i - 1];
    if (nonEmpty[i].fileOffset < prev.fileOffset + prev.byteLength) fail(`tensors '${prev.name}' and '${nonEmpty[i].name}' overlap in the data section`);
  }
  return { metadata, tensors: new Map(tensors.map((t) => [t.name, t])) };
}
