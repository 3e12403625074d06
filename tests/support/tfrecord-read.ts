/**
 * Test-side reader for TensorBoard event files, written from the format descriptions independently of the
 * writer: TFRecord frames (with both CRCs checked against the bitwise reference CRC-32C) and a generic
 * protobuf field decoder.
 */
import { referenceCrc32c } from './crc32c-reference.js';

function mask(crc: number): number {
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** The data of every record; throws on a bad length CRC, data CRC or a truncated frame. */
export function readRecords(file: Uint8Array): Uint8Array[] {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < file.length) {
    if (at + 12 > file.length) throw new Error(`truncated header at byte ${at}`);
    const len = Number(view.getBigUint64(at, true));
    if (view.getUint32(at + 8, true) !== mask(referenceCrc32c(file.subarray(at, at + 8)))) throw new Error(`bad length CRC at byte ${at}`);
    if (at + 12 + len + 4 > file.length) throw new Error(`truncated record at byte ${at}`);
    const data = file.subarray(at + 12, at + 12 + len);
    if (view.getUint32(at + 12 + len, true) !== mask(referenceCrc32c(data))) throw new Error(`bad data CRC at byte ${at}`);
    out.push(data);
    at += 12 + len + 4;
  }
  return out;
}

export interface ProtoField {
  field: number;
  wire: number;
  /** varint as bigint; fixed64/fixed32 and length-delimited as raw bytes. */
  value: bigint | Uint8Array;
}

export function decodeProto(bytes: Uint8Array): ProtoField[] {
  const fields: ProtoField[] = [];
  let at = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = bytes[at++];
      if (b === undefined) throw new Error('truncated varint');
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (at < bytes.length) {
    const key = Number(varint());
    const field = key >>> 3;
    const wire = key & 7;
    if (wire === 0) fields.push({ field, wire, value: varint() });
    else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4;
      fields.push({ field, wire, value: bytes.subarray(at, at + n) });
      at += n;
    } else if (wire === 2) {
      const n = Number(varint());
      fields.push({ field, wire, value: bytes.subarray(at, at + n) });
      at += n;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
  return fields;
}

const bytesOf = (v: bigint | Uint8Array): Uint8Array => {
  if (typeof v === 'bigint') throw new Error('expected bytes');
  return v;
};
const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

export interface DecodedEvent {
  wallTime: number;
  step: number;
  fileVersion?: string;
  scalars: Record<string, number>;
  texts: Record<string, { text: string; plugin: string }>;
}

/** tensorflow.Event → the parts the logger writes. */
export function decodeEvent(bytes: Uint8Array): DecodedEvent {
  const e: DecodedEvent = { wallTime: NaN, step: 0, scalars: {}, texts: {} };
  const utf8 = new TextDecoder();
  for (const f of decodeProto(bytes)) {
    if (f.field === 1 && f.wire === 1) e.wallTime = dv(bytesOf(f.value)).getFloat64(0, true);
    else if (f.field === 2 && f.wire === 0) e.step = Number(f.value);
    else if (f.field === 3 && f.wire === 2) e.fileVersion = utf8.decode(bytesOf(f.value));
    else if (f.field === 5 && f.wire === 2) {
      for (const v of decodeProto(bytesOf(f.value))) {
        if (v.field !== 1) throw new Error(`unexpected Summary field ${v.field}`);
        const parts = decodeProto(bytesOf(v.value));
        const tag = utf8.decode(bytesOf(parts.find((p) => p.field === 1)!.value));
        const simple = parts.find((p) => p.field === 2 && p.wire === 5);
        if (simple) e.scalars[tag] = dv(bytesOf(simple.value)).getFloat32(0, true);
        const tensor = parts.find((p) => p.field === 8);
        if (tensor) {
          const t = decodeProto(bytesOf(tensor.value));
          const dtype = Number(t.find((p) => p.field === 1)!.value);
          if (dtype !== 7) throw new Error(`text tensor dtype ${dtype}, expected DT_STRING (7)`);
          const meta = decodeProto(bytesOf(parts.find((p) => p.field === 9)!.value));
          const plugin = decodeProto(bytesOf(meta.find((p) => p.field === 1)!.value));
          e.texts[tag] = { text: utf8.decode(bytesOf(t.find((p) => p.field === 8)!.value)), plugin: utf8.decode(bytesOf(plugin.find((p) => p.field === 1)!.value)) };
        }
      }
    } else throw new Error(`unexpected Event field ${f.field} (wire ${f.wire})`);
  }
  return e;
}
