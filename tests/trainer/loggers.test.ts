import { appendFileSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../support/temp-dir.js';
import {
  SUPPORTED_LOGGERS,
  createLoggers,
  formatGenerationsTable,
  formatStepLine,
  readMetricsJsonl,
  type LoggerOptions,
} from '../../src/trainer/loggers/index.js';
import { generationsMarkdown } from '../../src/trainer/loggers/tensorboard.js';
import { ConfigError, InputError } from '../../src/util/errors.js';
import { decodeEvent, readRecords } from '../support/tfrecord-read.js';
import { TB_FIXTURE_GENERATIONS, TB_FIXTURE_STEPS, writeFixtureEvents } from './tb-fixture-content.js';

const root = makeTempDir('verlts-loggers-');
let runs = 0;

function options(env: Record<string, string | undefined> = {}): LoggerOptions & { lines: string[] } {
  const lines: string[] = [];
  return { runDir: join(root, `run${runs++}`), projectName: 'proj', experimentName: 'exp', env, write: (t) => lines.push(t), lines };
}

describe('console logger', () => {
  it("prints verl's step line with Python's .3f numbers", () => {
    const metrics = { 'actor/pg_loss': 0.0625, 'critic/score/mean': -0.1875, 'actor/grad_norm': NaN, big: 1e22, neg: -Infinity, n: 7 };
    expect(formatStepLine(metrics, 3)).toBe(
      'step:3 - actor/pg_loss:0.062 - critic/score/mean:-0.188 - actor/grad_norm:nan - big:10000000000000000000000.000 - neg:-inf - n:7.000',
    );
    const o = options();
    const set = createLoggers(['console'], o);
    set.log({ a: 1 }, 0);
    set.log({}, 12);
    expect(o.lines).toEqual(['step:0 - a:1.000\n', 'step:12\n']);
    expect(set.outputs).toEqual([]);
  });
  it('prints validation generations as a table, one row per sample', () => {
    const table = formatGenerationsTable(
      [
        { input: '1 2 +', output: '3', score: 1 },
        { input: 'a|b\nc', output: 'x'.repeat(100), score: 0.25 },
      ],
      5,
    );
    expect(table.split('\n')).toEqual([
      'val/generations step:5',
      `| # | input   | output${' '.repeat(54)} | score |`,
      `|---|---------|${'-'.repeat(62)}|-------|`,
      `| 1 | 1 2 +   | 3${' '.repeat(59)} | 1.000 |`,
      `| 2 | a\\|b\\nc | ${'x'.repeat(59)}… | 0.250 |`,
    ]);
    const o = options();
    const set = createLoggers(['console'], o);
    set.logGenerations([], 1);
    expect(o.lines).toEqual([]);
  });
});

describe('createLoggers', () => {
  it('names the supported loggers and suggests the closest for a typo', () => {
    expect(SUPPORTED_LOGGERS).toEqual(['console', 'file', 'tensorboard']);
    const err = (() => {
      try {
        createLoggers(['console', 'tensorbord'], options());
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toBe("trainer.logger: unknown logger 'tensorbord'. Supported: console, file, tensorboard. Did you mean 'tensorboard'?");
    expect(() => createLoggers(['x'], options())).toThrow("trainer.logger: unknown logger 'x'. Supported: console, file, tensorboard.");
    expect(() => createLoggers(['wandb'], options())).toThrow("trainer.logger: 'wandb' is a verl logger that verl-ts does not provide. Supported: console, file, tensorboard");
  });
  it('creates no files when any name is unknown', () => {
    const o = options();
    expect(() => createLoggers(['file', 'tensorboard', 'bogus'], o)).toThrow(ConfigError);
    expect(existsSync(o.runDir)).toBe(false);
  });
  it('fans every call out to each logger once, duplicates ignored', async () => {
    const o = options();
    const set = createLoggers(['console', 'file', 'console'], o);
    set.log({ x: 2 }, 1);
    await set.close();
    expect(o.lines).toEqual(['step:1 - x:2.000\n']);
    expect(set.outputs).toEqual([{ logger: 'file', path: join(o.runDir, 'metrics.jsonl') }]);
    expect(readMetricsJsonl(join(o.runDir, 'metrics.jsonl'))).toEqual([{ step: 1, data: { x: 2 } }]);
  });
  it('rejects a step that is not a non-negative integer', () => {
    const set = createLoggers(['console'], options());
    expect(() => set.log({}, -1)).toThrow(RangeError);
    expect(() => set.log({}, 1.5)).toThrow(RangeError);
  });
});

describe('file logger', () => {
  it('writes {"step", "data"} lines, flushed at once, non-finite values as null', () => {
    const o = options();
    const set = createLoggers(['file'], o);
    const path = join(o.runDir, 'metrics.jsonl');
    set.log({ 'critic/score/mean': 0.5, 'actor/grad_norm': NaN, inf: Infinity }, 1);
    expect(readFileSync(path, 'utf8')).toBe('{"step":1,"data":{"critic/score/mean":0.5,"actor/grad_norm":null,"inf":null}}\n');
    set.log({ 'critic/score/mean': 0.75 }, 2);
    expect(readMetricsJsonl(path)).toEqual([
      { step: 1, data: { 'critic/score/mean': 0.5, 'actor/grad_norm': null, inf: null } },
      { step: 2, data: { 'critic/score/mean': 0.75 } },
    ]);
  });
  it('honours $VERL_FILE_LOGGER_PATH and appends when a run resumes', async () => {
    const path = join(root, 'env-metrics', 'deep', 'm.jsonl');
    const first = createLoggers(['file'], options({ VERL_FILE_LOGGER_PATH: path }));
    first.log({ a: 1 }, 1);
    await first.close();
    expect(() => first.log({ a: 1 }, 2)).toThrow('log() after close()');
    const resumed = createLoggers(['file'], options({ VERL_FILE_LOGGER_PATH: path }));
    expect(resumed.outputs).toEqual([{ logger: 'file', path }]);
    resumed.log({ a: 2 }, 2);
    await resumed.close();
    expect(readMetricsJsonl(path).map((r) => r.step)).toEqual([1, 2]);
  });
  it("reads verl's own files: Python's NaN/Infinity words, extra keys, a cut-off last line", () => {
    const path = join(root, 'verl.jsonl');
    writeFileSync(
      path,
      '{"step": 1, "elapsed_seconds": 5.5, "data": {"a": NaN, "b": -Infinity, "c": Infinity, "NaN key": 1.0}}\n\n{"step": 2, "data": {"s": "NaN"',
    );
    const records = readMetricsJsonl(path);
    expect(records).toHaveLength(1);
    expect(records[0].step).toBe(1);
    expect(records[0].data).toEqual({ a: NaN, b: -Infinity, c: Infinity, 'NaN key': 1 });
  });
  it('names the file and line of a bad record', () => {
    const path = join(root, 'bad.jsonl');
    writeFileSync(path, '{"step": 1, "data": {}}\n{"step": 1, "data": {\n{"step": 3, "data": {}}\n');
    expect(() => readMetricsJsonl(path)).toThrow(`${path}:2: not valid JSON`);
    writeFileSync(path, '{"step": -1, "data": {}}\n');
    expect(() => readMetricsJsonl(path)).toThrow(`${path}:1: "step" must be a non-negative integer, got -1`);
    writeFileSync(path, '[1]\n');
    expect(() => readMetricsJsonl(path)).toThrow(`${path}:1: expected an object {"step": N, "data": {...}}`);
    writeFileSync(path, '{"step": 0, "data": {"a": "x"}}\n');
    expect(() => readMetricsJsonl(path)).toThrow(`${path}:1: metric 'a' must be a number or null, got "x"`);
    expect(() => readMetricsJsonl(join(root, 'none.jsonl'))).toThrow(InputError);
  });
});

describe('tensorboard logger', () => {
  it('writes a TFRecord event file that reads back record by record', async () => {
    let clock = 1_800_000_000_000;
    const o = { ...options(), now: () => (clock += 500) };
    const set = createLoggers(['tensorboard'], o);
    const dir = join(o.runDir, 'tensorboard_log', 'proj', 'exp');
    expect(set.outputs).toEqual([{ logger: 'tensorboard', path: dir }]);
    set.log({ 'critic/score/mean': 0.1, 'actor/lr': 3e-7, nan: NaN }, 1);
    set.log({ 'critic/score/mean': -2.5 }, 2 ** 40);
    set.logGenerations([{ input: 'q', output: 'a', score: 0.5 }], 2 ** 40);
    await set.close();

    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toBe(`events.out.tfevents.1800000000.${hostname()}.${process.pid}.${files[0].split('.').pop()}`);
    const events = readRecords(readFileSync(join(dir, files[0]))).map(decodeEvent);
    expect(events).toHaveLength(4);
    expect(events[0]).toMatchObject({ fileVersion: 'brain.Event:2', step: 0, wallTime: 1_800_000_001, scalars: {} });
    expect(events[1]).toEqual({ wallTime: 1_800_000_001.5, step: 1, scalars: { 'critic/score/mean': Math.fround(0.1), 'actor/lr': Math.fround(3e-7), nan: NaN }, texts: {} });
    expect(events[2]).toEqual({ wallTime: 1_800_000_002, step: 2 ** 40, scalars: { 'critic/score/mean': -2.5 }, texts: {} });
    expect(events[3].texts).toEqual({ 'val/generations': { plugin: 'text', text: generationsMarkdown([{ input: 'q', output: 'a', score: 0.5 }], 2 ** 40) } });
  });
  it('honours $TENSORBOARD_DIR and never reuses an event file', async () => {
    const dir = join(root, 'tb-env');
    const o = { ...options({ TENSORBOARD_DIR: dir }), now: () => 1_800_000_000_000 };
    await createLoggers(['tensorboard'], o).close();
    await createLoggers(['tensorboard'], o).close();
    expect(readdirSync(dir)).toHaveLength(2);
  });
  it('detects a corrupted byte through the CRCs', () => {
    const bytes = new Uint8Array(readFileSync(new URL('../fixtures/trainer/tb/events.out.tfevents.fixture', import.meta.url)));
    expect(readRecords(bytes).length).toBeGreaterThan(1);
    bytes[60] ^= 1;
    expect(() => readRecords(bytes)).toThrow(/bad data CRC/);
  });
});

describe('TensorBoard reads our event files (committed fixture checked with tensorboard 2.21)', () => {
  const fixtureDir = new URL('../fixtures/trainer/', import.meta.url);
  it('the writer still produces the fixture byte for byte', () => {
    const path = join(root, 'fixture-again');
    writeFixtureEvents(path);
    expect(readFileSync(path)).toEqual(readFileSync(new URL('tb/events.out.tfevents.fixture', fixtureDir)));
  });
  it("TensorBoard's EventAccumulator saw every scalar at its step, as float32, and the generations text", () => {
    interface Read {
      file_version: number;
      scalars: Record<string, Array<{ step: number; value: number | string }>>;
      text: Record<string, Array<{ step: number; plugin: string; value: string }>>;
    }
    const read = JSON.parse(readFileSync(new URL('tb-read.json', fixtureDir), 'utf8')) as Read;
    expect(read.file_version).toBe(2);
    const expected: Record<string, Array<{ step: number; value: number | string }>> = {};
    for (const { step, metrics } of TB_FIXTURE_STEPS) {
      for (const [tag, v] of Object.entries(metrics)) {
        (expected[tag] ??= []).push({ step, value: Number.isNaN(v) ? 'nan' : v === -Infinity ? '-inf' : Math.fround(v) });
      }
    }
    const seen = Object.fromEntries(Object.entries(read.scalars).map(([tag, list]) => [tag, list.map(({ step, value }) => ({ step, value }))]));
    expect(seen).toEqual(expected);
    const { step, samples } = TB_FIXTURE_GENERATIONS;
    expect(read.text).toEqual({ 'val/generations': [expect.objectContaining({ step, plugin: 'text', value: generationsMarkdown(samples, step) })] });
  });
});

// Keep the appendFileSync import honest: the file logger must leave a complete line even when other
// writers append to the same file between steps.
describe('file logger shares its file', () => {
  it('keeps lines whole when something else appends between steps', () => {
    const path = join(root, 'shared.jsonl');
    const set = createLoggers(['file'], options({ VERL_FILE_LOGGER_PATH: path }));
    set.log({ a: 1 }, 1);
    appendFileSync(path, '{"step": 1, "data": {"b": 2}}\n');
    set.log({ a: 3 }, 2);
    expect(readMetricsJsonl(path)).toEqual([
      { step: 1, data: { a: 1 } },
      { step: 1, data: { b: 2 } },
      { step: 2, data: { a: 3 } },
    ]);
  });
});
