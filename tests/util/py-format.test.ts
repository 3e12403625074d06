import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatFixed } from '../../src/util/py-format.js';

interface Fixture { cases: Array<[string, number, string]> }
const fixture = JSON.parse(readFileSync(new URL('../fixtures/trainer/py-format.json', import.meta.url), 'utf8')) as Fixture;

/** Python's repr of a float, read back as the same double. */
function parsePyRepr(s: string): number {
  if (s === 'nan') return NaN;
  if (s === 'inf') return Infinity;
  if (s === '-inf') return -Infinity;
  return Number(s);
}

describe('formatFixed', () => {
  it("prints every case exactly as CPython's format(x, '.Nf') did", () => {
    expect(fixture.cases.length).toBeGreaterThan(1000);
    const wrong = fixture.cases
      .map(([x, digits, text]) => ({ x, digits, want: text, got: formatFixed(parsePyRepr(x), digits) }))
      .filter((c) => c.got !== c.want);
    expect(wrong).toEqual([]);
  });
  it('breaks exact ties to even where toFixed goes away from zero', () => {
    expect((0.0625).toFixed(3)).toBe('0.063');
    expect(formatFixed(0.0625, 3)).toBe('0.062');
    expect(formatFixed(-0.1875, 3)).toBe('-0.188');
    expect(formatFixed(2.5, 0)).toBe('2');
    expect(formatFixed(-0, 3)).toBe('-0.000');
  });
  it('rejects a digit count Python would not accept here', () => {
    expect(() => formatFixed(1, -1)).toThrow(RangeError);
    expect(() => formatFixed(1, 1.5)).toThrow(RangeError);
  });
});
