// Parquet from an iterable: rows are made while they are encoded, one row group at a time.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { parquetMetadata } from 'hyparquet';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readTable } from '../../src/data/io/read-rows.js';
import { ROW_GROUP_ROWS, writeParquet } from '../../src/data/io/parquet-write.js';
import { structOf } from '../../src/data/io/value-type.js';

const toArrayBuffer = (b: Buffer): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

const dir = mkdtempSync(join(tmpdir(), 'verlts-pqstream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeParquet from a generator', () => {
  it('pulls at most one row group ahead of what is encoded, and the file reads back in order', async () => {
    const total = 2 * ROW_GROUP_ROWS + 7;
    let made = 0;
    let maxAhead = 0;
    let encoded = 0;
    function* rows() {
      for (let i = 0; i < total; i++) {
        made++;
        maxAhead = Math.max(maxAhead, made - encoded);
        yield { i, s: `row ${i}`, info: { index: i } };
      }
    }
    const seen: number[] = [];
    const path = join(dir, 'gen.parquet');
    await writeParquet(path, rows(), {
      schema: [['i', 'int64'], ['s', 'string'], ['info', structOf({ index: 'int64' })]],
      onRows: (n) => {
        encoded = n;
        seen.push(n);
      },
    });
    expect(seen).toEqual([ROW_GROUP_ROWS, 2 * ROW_GROUP_ROWS, total]);
    expect(maxAhead).toBeLessThanOrEqual(ROW_GROUP_ROWS);
    const t = await readTable(path);
    expect(t.rows).toHaveLength(total);
    expect(t.rows[total - 1]).toEqual({ i: total - 1, s: `row ${total - 1}`, info: { index: total - 1 } });
    expect(t.rows.every((r, i) => r.i === i)).toBe(true);
  });

  it('writes an empty iterable as a file with the columns and no rows', async () => {
    const path = join(dir, 'empty.parquet');
    await writeParquet(path, [], { schema: [['a', 'string']] });
    const meta = parquetMetadata(toArrayBuffer(readFileSync(path)));
    expect(meta.num_rows).toBe(0n);
    expect(meta.schema.map((e) => e.name)).toEqual(['schema', 'a']);
  });
});
