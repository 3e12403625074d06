/**
 * A minimal TensorBoard event-file writer: TFRecord framing around hand-encoded `tensorflow.Event`
 * protos (scalars as simple_value, text as a DT_STRING tensor for the text plugin). No TensorFlow needed.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { maskedCrc32c } from '../../util/crc32c.js';

/** Just enough of the protobuf wire format for the messages written here. */
class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];

  private push(bytes: Uint8Array): this {
    this.chunks.push(bytes);
    return this;
  }

  private varint(value: number): this {
    const out: number[] = [];
    let v = BigInt(value);
    do {
      const low = Number(v & 0x7fn);
      v >>= 7n;
      out.push(v > 0n ? low | 0x80 : low);
    } while (v > 0n);
    return this.push(Uint8Array.from(out));
  }

  private key(field: number, wireType: 0 | 1 | 2 | 5): this {
    return this.varint(field * 8 + wireType);
  }

  uint(field: number, value: number): this {
    return this.key(field, 0).varint(value);
  }

  double(field: number, value: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, value, true);
    return this.key(field, 1).push(b);
  }

  float(field: number, value: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    return this.key(field, 5).push(b);
  }

  bytes(field: number, value: Uint8Array): this {
    return this.key(field, 2).varint(value.length).push(value);
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, inner: ProtoWriter): this {
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    return Buffer.concat(this.chunks);
  }
}

// Field numbers from tensorflow/core/util/event.proto, framework/summary.proto, tensor.proto.
const EVENT = { wallTime: 1, step: 2, fileVersion: 3, summary: 5 } as const;
const SUMMARY = { value: 1 } as const;
const VALUE = { tag: 1, simpleValue: 2, tensor: 8, metadata: 9 } as const;
const METADATA = { pluginData: 1 } as const;
const PLUGIN_DATA = { pluginName: 1 } as const;
const TENSOR = { dtype: 1, shape: 2, stringVal: 8 } as const;
const DT_STRING = 7;

export const FILE_VERSION = 'brain.Event:2';

/** A value of an Event's Summary. */
export type SummaryValue = { tag: string; scalar: number } | { tag: string; text: string };

function encodeValue(v: SummaryValue): ProtoWriter {
  const w = new ProtoWriter().string(VALUE.tag, v.tag);
  if ('scalar' in v) return w.float(VALUE.simpleValue, v.scalar);
  const tensor = new ProtoWriter().uint(TENSOR.dtype, DT_STRING).message(TENSOR.shape, new ProtoWriter()).string(TENSOR.stringVal, v.text);
  const metadata = new ProtoWriter().message(METADATA.pluginData, new ProtoWriter().string(PLUGIN_DATA.pluginName, 'text'));
  return w.message(VALUE.metadata, metadata).message(VALUE.tensor, tensor);
}

/** One serialized Event: the file-version header when `fileVersion` is set, else a summary. */
export function encodeEvent(e: { wallTime: number; step: number; fileVersion?: string; values?: readonly SummaryValue[] }): Uint8Array {
  const w = new ProtoWriter().double(EVENT.wallTime, e.wallTime).uint(EVENT.step, e.step);
  if (e.fileVersion !== undefined) w.string(EVENT.fileVersion, e.fileVersion);
  if (e.values !== undefined) {
    const summary = new ProtoWriter();
    for (const v of e.values) summary.message(SUMMARY.value, encodeValue(v));
    w.message(EVENT.summary, summary);
  }
  return w.finish();
}

/** TFRecord framing: u64 LE length, masked CRC-32C of those 8 bytes, the data, masked CRC-32C of the data. */
export function frameRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + 4 + data.length + 4);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

/**
 * An open event file. Every record goes to the OS as it is written (no user-space buffer), so TensorBoard
 * sees each step at once and a crash loses nothing already logged.
 */
export class EventFileWriter {
  private fd: number | null;

  constructor(
    readonly path: string,
    private readonly now: () => number,
  ) {
    // 'wx': an event file is never appended to or overwritten; a new run gets a new file.
    this.fd = openSync(path, 'wx');
    this.writeEvent({ wallTime: this.now() / 1000, step: 0, fileVersion: FILE_VERSION });
  }

  private writeEvent(e: Parameters<typeof encodeEvent>[0]): void {
    if (this.fd === null) throw new Error(`tensorboard logger: write after close (${this.path})`);
    const record = frameRecord(encodeEvent(e));
    for (let done = 0; done < record.length; ) done += writeSync(this.fd, record, done);
  }

  write(step: number, values: readonly SummaryValue[]): void {
    this.writeEvent({ wallTime: this.now() / 1000, step, values });
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
