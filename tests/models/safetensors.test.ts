import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bf16BitsToF32, f16BitsToF32, f32ToBf16Bits, f32ToF16Bits } from '../../src/models/safetensors/dtypes.js';
import { SafetensorsFile, readSafetensorsFloat32, withSafetensorsFile } from '../../src/models/safetensors/reader.js';
import { writeSafetensors, type TensorToWrite } from '../../src/models/safetensors/writer.js';
import { makeTempDir } from '../support/temp-dir.js';

const FIX = new URL('../fixtures/models/', import.meta.url).pathname;
const tmp = () => makeTempDir('st-');
const num = (v: number | string) => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number));

describe('dtype conversions, bit for bit against torch', () => {
  const conv = JSON.parse(readFileSync(join(FIX, 'dtype-conversions.json'), 'utf8')) as Record<string, number[]> & {
    nan: { f32_bits: number; bf16_bits: number; f16_bits: number };
  };
  const f32 = new Float32Array(Uint32Array.from(conv.f32_bits, (x) => x >>> 0).buffer);

  it('f32 → bf16 rounds to nearest even (ties, overflow, subnormals)', () => {
    const out = new Uint16Array(f32.length);
    f32ToBf16Bits(f32, out);
    expect(Array.from(out)).toEqual(conv.bf16_bits);
  });
  it('f32 → f16 rounds to nearest even, overflows to inf, underflows gradually', () => {
    const out = new Uint16Array(f32.length);
    f32ToF16Bits(f32, out);
    expect(Array.from(out)).toEqual(conv.f16_bits);
  });
  it('bf16 → f32 and f16 → f32 widen exactly', () => {
    const a = new Float32Array(f32.length);
    bf16BitsToF32(Uint16Array.from(conv.bf16_bits), a);
    expect(Array.from(new Uint32Array(a.buffer))).toEqual(conv.bf16_as_f32_bits.map((x) => x >>> 0));
    const b = new Float32Array(f32.length);
    f16BitsToF32(Uint16Array.from(conv.f16_bits), b);
    expect(Array.from(new Uint32Array(b.buffer))).toEqual(conv.f16_as_f32_bits.map((x) => x >>> 0));
  });
  it('NaN becomes torch\'s quiet NaN', () => {
    const nan = new Float32Array(new Uint32Array([conv.nan.f32_bits]).buffer);
    const bf = new Uint16Array(1);
    const h = new Uint16Array(1);
    f32ToBf16Bits(nan, bf);
    f32ToF16Bits(nan, h);
    expect([bf[0], h[0]]).toEqual([conv.nan.bf16_bits, conv.nan.f16_bits]);
  });
});

describe('safetensors reader', () => {
  it('reads every dtype of a file written by safetensors.torch', () => {
    const want = JSON.parse(readFileSync(join(FIX, 'mixed.expected.json'), 'utf8')) as {
      metadata: Record<string, string>;
      tensors: Record<string, { shape: number[]; values: Array<number | string> }>;
    };
    const { metadata, tensors } = readSafetensorsFloat32(join(FIX, 'mixed.safetensors'));
    expect(metadata).toEqual(want.metadata);
    expect([...tensors.keys()].sort()).toEqual(Object.keys(want.tensors).sort());
    for (const [name, t] of Object.entries(want.tensors)) {
      const got = tensors.get(name);
      expect(got?.shape, name).toEqual(t.shape);
      expect(Array.from(got?.data ?? []), name).toEqual(t.values.map((v) => Math.fround(num(v))));
    }
  });
  it('reads tensors at unaligned offsets', () => {
    withSafetensorsFile(join(FIX, 'unaligned.safetensors'), (f) => {
      expect(f.metadata).toEqual({ made_by: 'hand' });
      expect(f.info('w.f32').fileOffset % 4).not.toBe(0);
      expect(Array.from(f.readFloat32('w.f32').data)).toEqual([1.5, -2, 0.25, Math.fround(1e-3)]);
      expect(Array.from(f.readFloat32('x.bf16').data)).toEqual([1, -2, Infinity]);
      expect(Array.from(f.readBytes('odd.u8'))).toEqual([9, 8, 7]);
      expect(() => f.info('w.F32')).toThrow(`no tensor named 'w.F32'. Did you mean 'w.f32'?`);
    });
  });

  function header(h: unknown, data = new Uint8Array(0), padTo = 0): string {
    const json = new TextEncoder().encode(JSON.stringify(h) + ' '.repeat(padTo));
    const buf = new Uint8Array(8 + json.length + data.length);
    new DataView(buf.buffer).setBigUint64(0, BigInt(json.length), true);
    buf.set(json, 8);
    buf.set(data, 8 + json.length);
    const p = join(tmp(), 'x.safetensors');
    writeFileSync(p, buf);
    return p;
  }
  it('refuses broken files with a message naming the file and the problem', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'short'), new Uint8Array(5));
    expect(() => SafetensorsFile.open(join(dir, 'short'))).toThrow(`${join(dir, 'short')}: not a safetensors file: 5 bytes, shorter than the 8-byte header length`);
    const big = new Uint8Array(16);
    new DataView(big.buffer).setBigUint64(0, 1000n, true);
    writeFileSync(join(dir, 'big'), big);
    expect(() => SafetensorsFile.open(join(dir, 'big'))).toThrow('not a safetensors file: header length 1000 runs past the end of the 16-byte file');
    let p = header({ a: { dtype: 'F31', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4));
    expect(() => SafetensorsFile.open(p)).toThrow(`${p}: tensor 'a': unknown dtype "F31". Did you mean 'F32'?`);
    p = header({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8));
    expect(() => SafetensorsFile.open(p)).toThrow("tensor 'a': data_offsets [0, 8] hold 8 bytes but dtype F32 with shape [3] needs 12");
    p = header({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 12] } }, new Uint8Array(8));
    expect(() => SafetensorsFile.open(p)).toThrow("tensor 'a' ends at data byte 12 but the file has only 8 data bytes (truncated file?)");
    p = header({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, new Uint8Array(8));
    expect(() => SafetensorsFile.open(p)).toThrow("tensors 'a' and 'b' overlap in the data section");
    p = header({ a: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1));
    expect(() => SafetensorsFile.open(p).readFloat32('a')).toThrow("tensor 'a' has dtype F8_E4M3, which verl-ts cannot read (8-bit floats are not supported)");
    p = header({ __metadata__: { n: 1 } });
    expect(() => SafetensorsFile.open(p)).toThrow("'__metadata__.n' must be a string, got 1");
    p = header([1, 2]);
    expect(() => SafetensorsFile.open(p)).toThrow('header must be a JSON object');
  });
});

describe('safetensors writer', () => {
  it('writes the same bytes as safetensors.torch.save_file', async () => {
    const ref = readFileSync(join(FIX, 'floats.safetensors'));
    const tensors: TensorToWrite[] = [];
    withSafetensorsFile(join(FIX, 'floats.safetensors'), (f) => {
      for (const name of ['c.f16', 'g.empty', 'a.f32', 'b.bf16', 'f.scalar']) {
        const t = f.readFloat32(name);
        tensors.push({ name, shape: t.shape, data: t.data, dtype: f.info(name).dtype as TensorToWrite['dtype'] });
      }
    });
    const out = join(tmp(), 'w.safetensors');
    const size = await writeSafetensors(out, tensors, { metadata: { format: 'pt' } });
    const mine = readFileSync(out);
    expect(size).toBe(mine.length);
    expect(Buffer.compare(mine, ref)).toBe(0);
  });
  it('pads the header to 8 bytes and round-trips F32 exactly and BF16/F16 as rounded', async () => {
    const data = Float32Array.from([1 / 3, -2.5, 65519, 1e-9, 3.0e38, -0]);
    const out = join(tmp(), 'r.safetensors');
    await writeSafetensors(out, [
      { name: 'x', shape: [2, 3], data, dtype: 'F32' },
      { name: 'y', shape: [6], data, dtype: 'BF16' },
      { name: 'z', shape: [6], data, dtype: 'F16' },
    ]);
    const n = Number(readFileSync(out).readBigUInt64LE(0));
    expect((8 + n) % 8).toBe(0);
    const back = readSafetensorsFloat32(out).tensors;
    expect(Array.from(back.get('x')?.data ?? [])).toEqual(Array.from(data));
    const bf = new Uint16Array(6);
    f32ToBf16Bits(data, bf);
    const wantBf = new Float32Array(6);
    bf16BitsToF32(bf, wantBf);
    expect(Array.from(back.get('y')?.data ?? [])).toEqual(Array.from(wantBf));
    expect(Array.from(back.get('z')?.data ?? [])).toEqual([0.333251953125, -2.5, 65504, 0, Infinity, -0]);
  });
  it('refuses inconsistent tensors and leaves no file behind', async () => {
    const dir = tmp();
    await expect(writeSafetensors(join(dir, 'a.safetensors'), [{ name: 'x', shape: [2, 2], data: new Float32Array(3), dtype: 'F32' }])).rejects.toThrow(
      "tensor 'x': shape [2, 2] has 4 elements but the data has 3",
    );
    await expect(
      writeSafetensors(join(dir, 'a.safetensors'), [
        { name: 'x', shape: [1], data: new Float32Array(1), dtype: 'F32' },
        { name: 'x', shape: [1], data: new Float32Array(1), dtype: 'F32' },
      ]),
    ).rejects.toThrow("tensor 'x' is listed twice");
  });
});
