// Rollout/validation dump files: what the trainer writes reads back unchanged; cut-off and bad lines.
import { appendFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dumpFilePath, dumpRecords, dumpSteps, readDumpRecords } from '../../src/trainer/dump-file.js';
import { InputError } from '../../src/util/errors.js';
import { makeTempDir } from '../support/temp-dir.js';

describe('dump files', () => {
  it('reads back what dumpRecords wrote, extras and non-ASCII included', () => {
    const dir = makeTempDir('verlts-dump-');
    const records = [
      { input: 'Q: 2+2 ü', output: '4', gts: '4', score: 1, step: 7, acc: true },
      { input: 'Q: x', output: '', gts: { target: [1] }, score: 0, step: 7, acc: false },
    ];
    const file = dumpRecords(dir, 7, records);
    expect(file).toBe(dumpFilePath(dir, 7));
    dumpRecords(dir, 12, records.slice(0, 1));
    expect(readDumpRecords(file)).toEqual(records);
    expect(dumpSteps(dir)).toEqual([7, 12]);
    expect(dumpSteps(path.join(dir, 'absent'))).toEqual([]);
  });

  it('skips a cut-off last line (a run writing it) and names the line of any other bad one', () => {
    const dir = makeTempDir('verlts-dump-');
    const file = dumpRecords(dir, 1, [{ input: 'a', output: 'b', gts: null, score: 0.5, step: 1 }]);
    appendFileSync(file, '{"input": "cut');
    expect(readDumpRecords(file)).toHaveLength(1);
    // verl's own dumps: Python writes a NaN score as a bare NaN; verl-ts's JSON has null there.
    writeFileSync(file, '{"input":"a","output":"b","gts":null,"score":NaN,"step":1}\n{"input":"a","output":"b","gts":null,"score":null,"step":1}\n');
    expect(readDumpRecords(file).map((r) => r.score)).toEqual([NaN, NaN]);
    writeFileSync(file, '{"input": "a"\n{"input":"a","output":"b","gts":null,"score":1,"step":1}\n');
    expect(() => readDumpRecords(file)).toThrow(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:1: not valid JSON`));
    writeFileSync(file, '{"input":"a","output":3,"gts":null,"score":1,"step":1}\n');
    expect(() => readDumpRecords(file)).toThrow(/:1: "output" must be a string, got 3/);
    writeFileSync(file, '{"input":"a","output":"b","gts":null,"score":"high","step":1}\n');
    expect(() => readDumpRecords(file)).toThrow(InputError);
    expect(() => readDumpRecords(path.join(dir, '9.jsonl'))).toThrow(/dump file not found/);
  });
});
