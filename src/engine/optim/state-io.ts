/** Saving and loading AdamW state (moments, step, hyperparameters) as a safetensors-layout file. */
import { readFileSync } from 'node:fs';
import type { FloatArray } from '../dtype.js';
import { writeFileAtomicSync } from '../../util/atomic-write.js';
import { InputError, errorMessage } from '../../util/errors.js';
import type { AdamW } from './adamw.js';

/**
 * Optimizer state files use the safetensors layout, so they are readable by any safetensors reader:
 * an 8-byte little-endian header length N, N bytes of JSON header, then the raw little-endian data.
 * Tensors are `exp_avg.<param>` and `exp_avg_sq.<param>` (torch's names); `__metadata__` holds
 * format = "verl-ts-adamw/1", step, lr, betas, eps and weight_decay as strings.
 */
export const OPTIMIZER_STATE_FORMAT = 'verl-ts-adamw/1';

interface HeaderEntry {
  dtype: 'F32' | 'F64';
  shape: number[];
  data_offsets: [number, number];
}

export function encodeOptimizerState(opt: AdamW): Uint8Array {
  const header: Record<string, HeaderEntry | Record<string, string>> = {
    __metadata__: {
      format: OPTIMIZER_STATE_FORMAT,
      step: String(opt.state.step),
      lr: String(opt.lr),
      betas: JSON.stringify([opt.beta1, opt.beta2]),
      eps: String(opt.eps),
      weight_decay: String(opt.weightDecay),
    },
  };
  const blobs: FloatArray[] = [];
  let offset = 0;
  for (const p of opt.params.list()) {
    for (const [prefix, store] of [
      ['exp_avg', opt.state.m],
      ['exp_avg_sq', opt.state.v],
    ] as const) {
      const a = store.get(p.name);
      if (!a) continue;
      header[`${prefix}.${p.name}`] = { dtype: a instanceof Float64Array ? 'F64' : 'F32', shape: [...p.shape], data_offsets: [offset, offset + a.byteLength] };
      offset += a.byteLength;
      blobs.push(a);
    }
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces so the data starts 8-byte aligned, as HF does.
  while ((8 + Buffer.byteLength(json)) % 8 !== 0) json += ' ';
  const head = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let pos = 8 + head.length;
  for (const b of blobs) {
    out.set(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), pos);
    pos += b.byteLength;
  }
  return out;
}

/** Restore moments and step count into `opt` (whose params must match the file's names and shapes). */
export function decodeOptimizerState(opt: AdamW, bytes: Uint8Array, source = 'optimizer state'): void {
  const fail = (msg: string): never => {
    throw new InputError(`${source}: ${msg}`);
  };
  if (bytes.length < 8) fail('file is too short to be a safetensors file');
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (8 + n > bytes.length) fail(`header length ${n} runs past the end of the file (${bytes.length} bytes)`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, n).toString('utf8')) as Record<string, unknown>;
  } catch (e) {
    return fail(`header is not valid JSON (${errorMessage(e)})`);
  }
  const meta = (header.__metadata__ ?? {}) as Record<string, string>;
  if (meta.format !== OPTIMIZER_STATE_FORMAT) fail(`expected format '${OPTIMIZER_STATE_FORMAT}', found '${meta.format ?? '(none)'}'`);
  const step = Number(meta.step);
  if (!Number.isInteger(step) || step < 0) fail(`bad step '${meta.step}'`);
  const base = 8 + n;
  const m = new Map<string, FloatArray>();
  const v = new Map<string, FloatArray>();
  for (const [key, raw] of Object.entries(header)) {
    if (key === '__metadata__') continue;
    const e = raw as HeaderEntry;
    const dot = key.indexOf('.');
    const kind = key.slice(0, dot);
    const name = key.slice(dot + 1);
    if (kind !== 'exp_avg' && kind !== 'exp_avg_sq') fail(`unexpected tensor '${key}'`);
    if (!opt.params.has(name)) fail(`tensor '${key}' is for parameter '${name}', which the model does not have`);
    const p = opt.params.get(name);
    if (e.shape.join(',') !== p.shape.join(',')) fail(`'${key}' has shape [${e.shape.join(', ')}], parameter '${name}' is [${p.shape.join(', ')}]`);
    const wantDtype = p.data instanceof Float64Array ? 'F64' : 'F32';
    if (e.dtype !== wantDtype) fail(`'${key}' is ${e.dtype}, parameter '${name}' needs ${wantDtype}`);
    const [start, end] = e.data_offsets;
    if (end - start !== p.data.byteLength || base + end > bytes.length) fail(`'${key}' data offsets [${start}, ${end}] do not fit`);
    // Copy into an aligned buffer: the offsets in a file need not be 4/8-byte aligned.
    const copy = new Uint8Array(bytes.subarray(base + start, base + end));
    const arr = wantDtype === 'F64' ? new Float64Array(copy.buffer) : new Float32Array(copy.buffer);
    (kind === 'exp_avg' ? m : v).set(name, arr);
  }
  for (const name of m.keys()) if (!v.has(name)) fail(`'exp_avg.${name}' has no matching 'exp_avg_sq.${name}'`);
  opt.state.step = step;
  opt.state.m.clear();
  opt.state.v.clear();
  for (const [k, a] of m) opt.state.m.set(k, a);
  for (const [k, a] of v) opt.state.v.set(k, a);
}

export function saveOptimizerState(opt: AdamW, path: string): void {
  writeFileAtomicSync(path, encodeOptimizerState(opt));
}

export function loadOptimizerState(opt: AdamW, path: string): void {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new InputError(`cannot read optimizer state '${path}': ${errorMessage(e)}`);
  }
  decodeOptimizerState(opt, bytes, path);
}
