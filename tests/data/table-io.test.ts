import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTable } from '../../src/data/io/read-rows.js';
import { encodeParquet, writeParquet } from '../../src/data/io/parquet-write.js';
import { inferSchema, listOf, structOf } from '../../src/data/io/value-type.js';
import { sharedFixture } from '../support/shared.js';
import { makeTempDir } from '../support/temp-dir.js';

const FIX = 'tests/fixtures/data';
const expected = JSON.parse(readFileSync(`${FIX}/gsm8k-expected.json`, 'utf8')) as { rows: Record<string, unknown>[] };
const tmp = () => makeTempDir('verl-ts-io-');

describe('reading pyarrow-written parquet', () => {
  for (const codec of ['snappy', 'zstd', 'gzip']) {
    it(`reads nested verl rows (${codec})`, async () => {
      const t = await readTable(`${FIX}/gsm8k-${codec}.parquet`);
      expect(t.columns).toEqual(['data_source', 'prompt', 'ability', 'reward_model', 'extra_info']);
      expect(t.rows).toEqual(expected.rows);
      expect(typeof (t.rows[0].extra_info as { index: unknown }).index).toBe('number');
    });
  }

  it('keeps int64 beyond 2^53 as BigInt and reads nulls and empty lists', async () => {
    const t = await readTable(`${FIX}/odd-values.parquet`);
    expect(t.rows[0]).toEqual({ prompt: [{ role: 'user', content: 'a' }], extra_info: { index: 1, big: 2n ** 60n, x: 0.5 }, tags: ['p', 'q'] });
    expect(t.rows[1]).toEqual({ prompt: [], extra_info: null, tags: [] });
    expect(t.rows[2]).toEqual({ prompt: null, extra_info: { index: 3, big: -5, x: null }, tags: null });
  });

  const arith = sharedFixture('verl-arith/data/train.parquet');
  it.skipIf(arith === null)('reads verl-arith train.parquet written by pandas', async () => {
    const t = await readTable(arith as string);
    expect(t.rows.length).toBe(800);
    expect(t.rows[0]).toEqual({ prompt: [{ content: '8,3:9,4', role: 'user' }] });
  });
});

describe('reading JSON', () => {
  it('reads JSON Lines, a JSON array, and JSON Lines in a .json file', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'a.jsonl'), '{"x": 1}\n\n{"x": 2, "y": "b"}\n');
    writeFileSync(join(dir, 'b.json'), '[{"x": 1}, {"y": [1, 2]}]');
    writeFileSync(join(dir, 'c.json'), '{"x": 1}\n{"x": 2}\n');
    expect((await readTable(join(dir, 'a.jsonl'))).columns).toEqual(['x', 'y']);
    expect((await readTable(join(dir, 'b.json'))).rows).toEqual([{ x: 1 }, { y: [1, 2] }]);
    expect((await readTable(join(dir, 'c.json'))).rows.length).toBe(2);
  });

  it('names the line of invalid JSON', async () => {
    const dir = tmp();
    const f = join(dir, 'bad.jsonl');
    writeFileSync(f, '{"x": 1}\n{"x": \n');
    await expect(readTable(f)).rejects.toThrow(new RegExp(`^${f.replace(/[.]/g, '\\.')} line 2: invalid JSON: `));
    writeFileSync(f, '{"x": 1}\n[1]\n');
    await expect(readTable(f)).rejects.toThrow(`${f} line 2: expected a JSON object (one row), got an array`);
  });
});

describe('file errors', () => {
  it('empty, missing, unsupported, corrupt', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'empty.parquet'), '');
    await expect(readTable(join(dir, 'empty.parquet'), { what: 'data.train_files' })).rejects.toThrow(
      `data.train_files: '${join(dir, 'empty.parquet')}' is empty (0 bytes)`,
    );
    writeFileSync(join(dir, 'none.jsonl'), '\n\n');
    await expect(readTable(join(dir, 'none.jsonl'))).rejects.toThrow(`'${join(dir, 'none.jsonl')}' has no rows`);
    await expect(readTable('nope.parquet', { cwd: dir })).rejects.toThrow(`file not found: 'nope.parquet' (looked at ${join(dir, 'nope.parquet')})`);
    await expect(readTable(join(dir, 'x.csv'))).rejects.toThrow(`unsupported file type '.csv' for '${join(dir, 'x.csv')}'; expected one of .parquet, .jsonl, .json`);
    const good = readFileSync(`${FIX}/gsm8k-snappy.parquet`);
    writeFileSync(join(dir, 'cut.parquet'), good.subarray(0, good.length - 100));
    await expect(readTable(join(dir, 'cut.parquet'))).rejects.toThrow(new RegExp(`^could not read parquet file '${join(dir, 'cut.parquet')}': .*`));
    writeFileSync(join(dir, 'text.parquet'), 'hello, not parquet at all');
    await expect(readTable(join(dir, 'text.parquet'))).rejects.toThrow(/could not read parquet file '.*text\.parquet'/);
  });
});

describe('writing parquet', () => {
  const rows = [
    { data_source: 'x', prompt: [{ role: 'user', content: 'q😀' }], reward_model: { style: 'rule', ground_truth: { target: 5, numbers: [1, 4] } }, extra_info: { index: 0, w: 0.5 } },
    { data_source: 'y', prompt: [], reward_model: null, extra_info: { index: 2 ** 40 } },
  ];

  it('round-trips nested rows through our reader (snappy and gzip)', async () => {
    const dir = tmp();
    for (const codec of ['SNAPPY', 'GZIP'] as const) {
      const f = join(dir, `${codec}.parquet`);
      await writeParquet(f, rows, { codec });
      const t = await readTable(f);
      expect(t.columns).toEqual(['data_source', 'prompt', 'reward_model', 'extra_info']);
      expect(t.rows).toEqual([rows[0], { ...rows[1], extra_info: { index: 2 ** 40, w: null } }]);
    }
  });

  it('infers int64 for integers and double once any value is fractional', () => {
    expect(inferSchema([{ a: 1, b: 1 }, { a: 2, b: 1.5 }])).toEqual([
      ['a', 'int64'],
      ['b', 'double'],
    ]);
    expect(() => inferSchema([{ a: 1 }, { a: 'x' }])).toThrow("column 'a': values of different types (int64 and string) cannot share one column");
  });

  it('checks values against an explicit schema', () => {
    const schema = [['p', listOf(structOf({ role: 'string', content: 'string' }))]] as const;
    expect(() => encodeParquet([{ p: [{ role: 'user', content: 3 }] }], { schema })).toThrow("row 0, column 'p'[0].content: expected string, got number (3)");
    expect(() => encodeParquet([{ p: [{ role: 'user', content: 'a', extra: 1 }] }], { schema })).toThrow(
      "row 0, column 'p'[0]: field 'extra' is not in the schema (struct<role: string, content: string>)",
    );
  });
});
