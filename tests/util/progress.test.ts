import { describe, expect, it } from 'vitest';
import { createProgress, formatDuration, formatNumber } from '../../src/util/progress.js';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { stream: { isTTY, write: (s: string) => void writes.push(s), columns: 120 }, writes, text: () => writes.join('') };
}

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('createProgress on a plain stream', () => {
  it('prints at most one line per interval, with count, rate, ETA and payload, then the final line', () => {
    const s = fakeStream(false);
    const c = clock();
    const p = createProgress({ label: 'generate', total: 100, unit: 'samples', stream: s.stream, intervalMs: 10_000, now: c.now });
    c.advance(4_000);
    p.tick(20);
    expect(s.writes).toEqual([]);
    c.advance(6_000);
    p.tick(20, { 'tokens/s': 123.456 });
    // 40 samples in 10 s: 4/s, 60 left: 15 s.
    expect(s.writes).toEqual(['generate: 40/100 samples (40%), 4.00 samples/s, ETA 15s, tokens/s 123\n']);
    c.advance(1_000);
    p.update(50);
    expect(s.writes).toHaveLength(1);
    c.advance(9_000);
    p.update(60);
    expect(s.writes[1]).toBe('generate: 60/100 samples (60%), 3.00 samples/s, ETA 13s, tokens/s 123\n');
    p.stop('Wrote out.parquet in 20s');
    expect(s.writes[2]).toBe('Wrote out.parquet in 20s\n');
    p.tick(5);
    p.stop('again');
    expect(s.writes).toHaveLength(3);
  });

  it('ends with a summary line when no final line is given, and follows setTotal', () => {
    const s = fakeStream(false);
    const c = clock();
    const p = createProgress({ label: 'rows', total: 10, stream: s.stream, now: c.now });
    p.setTotal(8);
    c.advance(2_000);
    p.update(8);
    p.stop();
    expect(s.text()).toBe('rows: 8/8 items (100%), 4.00 items/s, ETA 0s\n');
  });

  it('ends without a line when the final line is empty (the work failed)', () => {
    const s = fakeStream(false);
    const p = createProgress({ label: 'rows', total: 10, stream: s.stream });
    p.tick();
    p.stop('');
    expect(s.writes).toEqual([]);
  });
});

describe('createProgress on a terminal', () => {
  it('draws a bar with count, rate and ETA, and writes the final line after it', () => {
    const s = fakeStream(true);
    const c = clock();
    const p = createProgress({ label: 'generate', total: 4, unit: 'samples', stream: s.stream, now: c.now });
    c.advance(2_000);
    p.tick(2, { 'tokens/s': 50 });
    p.stop('done: wrote x');
    const text = s.text();
    // The bar is drawn with cursor control codes (a terminal rewrites the line in place).
    expect(text).toContain('\x1B[');
    expect(text).toMatch(/generate \[={15}-{15}\] 2\/4 samples \(50%\), 1\.00 samples\/s, ETA 2s, tokens\/s 50/);
    expect(text.endsWith('done: wrote x\n')).toBe(true);
  });
});

describe('formatting', () => {
  it('formats durations and numbers', () => {
    expect(formatDuration(42)).toBe('42s');
    expect(formatDuration(75)).toBe('1m15s');
    expect(formatDuration(3725)).toBe('1h02m05s');
    expect(formatDuration(Infinity)).toBe('?');
    expect(formatNumber(1234.5)).toBe('1,235');
    expect(formatNumber(12.34)).toBe('12.3');
    expect(formatNumber(0.5)).toBe('0.50');
  });
});
