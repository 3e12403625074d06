import { describe, expect, it } from 'vitest';
import { crc32c, maskedCrc32c } from '../../src/util/crc32c.js';
import { referenceCrc32c } from '../support/crc32c-reference.js';

describe('crc32c', () => {
  it('matches the standard check value and the RFC 3720 test vectors', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });
  it('agrees with a bitwise implementation on random data', () => {
    let seed = 12345;
    for (let n = 0; n < 200; n++) {
      const bytes = Uint8Array.from({ length: n * 3 }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
      expect(crc32c(bytes)).toBe(referenceCrc32c(bytes));
    }
  });
  it("masks as TensorFlow does: rotate right by 15, add 0xa282ead8", () => {
    const data = new TextEncoder().encode('123456789');
    const c = 0xe3069283;
    expect(maskedCrc32c(data)).toBe(((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) % 2 ** 32);
  });
});
