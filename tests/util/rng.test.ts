import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/util/rng.js';

describe('Rng', () => {
  it('is reproducible from a seed and from a saved state', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const seqA = Array.from({ length: 5 }, () => a.nextU32());
    expect(Array.from({ length: 5 }, () => b.nextU32())).toEqual(seqA);
    a.normal();
    const saved = a.getState();
    const next = [a.next(), a.normal(), a.int(1000)];
    const restored = Rng.fromState(saved);
    expect([restored.next(), restored.normal(), restored.int(1000)]).toEqual(next);
    expect(new Rng(43).nextU32()).not.toBe(seqA[0]);
  });
  it('draws uniform floats and normals with the right moments', () => {
    const r = new Rng(7);
    const n = 200_000;
    let s = 0, s2 = 0, u = 0;
    for (let i = 0; i < n; i++) {
      const x = r.normal();
      s += x;
      s2 += x * x;
      u += r.next();
    }
    expect(Math.abs(s / n)).toBeLessThan(0.01);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.02);
    expect(Math.abs(u / n - 0.5)).toBeLessThan(0.005);
  });
  it('shuffles into a permutation', () => {
    const p = new Rng(1).permutation(100);
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(p).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
  it('rejects bad bounds', () => {
    expect(() => new Rng(1).int(0)).toThrow(/positive integer/);
    expect(() => new Rng(Number.NaN)).toThrow(/finite/);
  });
});
