/**
 * Multirun sweep expansion as Hydra's BasicSweeper does it: every sweep (`a=1,2`, `choice()`, `range()`,
 * `glob()`, `shuffle()`...) becomes a list of concrete overrides and the jobs are their cartesian product,
 * first override varying slowest. Non-sweep overrides are re-serialized the way Hydra passes them on.
 */
import path from 'node:path';
import { HydraCompactError, PyError, publicErrors } from '../errors.js';
import { BuiltinHydraSource, ConfigRepository, DirectorySource } from '../hydra/repository.js';
import { Decimal } from '../python/decimal.js';
import { pyFloatRepr } from '../python/float.js';
import { shuffled } from './functions.js';
import { parseOverrides } from './parser.js';
import type { Override, ParsedElement } from './types.js';
import { ChoiceSweep, GlobSweep, IntervalSweep, isHydraOverride, isSweep, isSweepOverride, keyElement, ParsedDict, QuotedString, RangeSweep } from './types.js';

const SPECIAL_CHARS = '\\()[]{}:=, \t';

/** Hydra's escape_special_characters: backslash-escape characters the override grammar treats specially. */
export function escapeSpecialCharacters(s: string): string {
  const present = new Set([...s].filter((ch) => SPECIAL_CHARS.includes(ch)));
  if (present.size === 0) return s;
  let out = s;
  if (present.delete('\\')) out = out.split('\\').join('\\\\');
  for (const ch of present) out = out.split(ch).join(`\\${ch}`);
  return out;
}

/** Hydra's Override._get_value_element_as_str: a value written back as override text. */
export function elementAsString(value: ParsedElement): string {
  if (value === null) return 'null';
  if (value instanceof QuotedString) return value.withQuotes();
  if (Array.isArray(value)) return `[${value.map(elementAsString).join(',')}]`;
  if (value instanceof ParsedDict) return `{${value.entries.map(([k, v]) => `${elementAsString(k)}:${elementAsString(v)}`).join(',')}}`;
  if (typeof value === 'string') return escapeSpecialCharacters(value);
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return pyFloatRepr(value);
  return value.toString();
}

/** A guard against sweeps that would exhaust memory (Hydra itself has none). */
const MAX_SWEEP_VALUES = 1_000_000;

/** The values of `range(start, stop, step)`: Python's range for ints, Decimal stepping otherwise. */
export function rangeValues(sweep: RangeSweep): Array<bigint | number> {
  const { start, stop, step } = sweep;
  const out: Array<bigint | number> = [];
  if (typeof start === 'bigint' && typeof stop === 'bigint' && typeof step === 'bigint') {
    if (step === 0n) throw new PyError('ValueError', 'range() arg 3 must not be zero');
    for (let v = start; step > 0n ? v < stop : v > stop; v += step) {
      if (out.length >= MAX_SWEEP_VALUES) throw new PyError('ValueError', `range() sweep has more than ${MAX_SWEEP_VALUES} values`);
      out.push(v);
    }
    return out;
  }
  for (const v of [start, stop, step]) {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new PyError('ValueError', `range() bounds and step must be finite, got ${pyFloatRepr(v)}`);
  }
  let cur = Decimal.from(start);
  const end = Decimal.from(stop);
  const inc = Decimal.from(step);
  if (inc.isZero()) throw new PyError('HydraException', `Invalid range values (start:${cur}, stop:${end}, step:${inc})`);
  const positive = inc.compare(Decimal.fromInt(0n)) > 0;
  while (positive ? cur.compare(end) < 0 : cur.compare(end) > 0) {
    if (out.length >= MAX_SWEEP_VALUES) throw new PyError('ValueError', `range() sweep has more than ${MAX_SWEEP_VALUES} values`);
    out.push(cur.toFloat());
    cur = cur.add(inc);
  }
  return out;
}

/** Python fnmatch.fnmatch (POSIX: case-sensitive). */
function fnmatch(name: string, pattern: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else if (ch === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close === -1) re += '\\[';
      else {
        let set = pattern.slice(i + 1, close);
        if (set.startsWith('!')) set = `^${set.slice(1)}`;
        re += `[${set.replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else re += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^(?:${re})$`, 's').test(name);
}

function sweepStrings(override: Override, groupOptions: (group: string) => string[]): string[] {
  const sweep = override.parsed;
  if (sweep instanceof ChoiceSweep) return (sweep.shuffle ? shuffled(sweep.list) : sweep.list).map(elementAsString);
  if (sweep instanceof RangeSweep) {
    const values = rangeValues(sweep);
    return (sweep.shuffle ? shuffled(values) : values).map((v) => (typeof v === 'bigint' ? v.toString() : pyFloatRepr(v)));
  }
  if (sweep instanceof GlobSweep) {
    const match = (name: string, globs: string[]) => globs.some((g) => fnmatch(name, g));
    return groupOptions(override.keyOrGroup).filter((name) => match(name, sweep.include) && !match(name, sweep.exclude));
  }
  throw new PyError('HydraException', `BasicSweeper does not support sweep type : ${override.valueType?.toUpperCase()}`);
}

export interface ExpandSweepsOptions {
  /** Config directory, needed to expand `glob(...)` over a group's options. */
  configDir?: string;
  cwd?: string;
}

function expand(overrides: string[], options: ExpandSweepsOptions): string[][] {
  const parsed = parseOverrides(overrides);
  for (const o of parsed) {
    if (isSweepOverride(o) && isHydraOverride(o)) {
      throw new HydraCompactError(`Sweeping over Hydra's configuration is not supported : '${o.inputLine}'`);
    }
  }
  let repo: ConfigRepository | null = null;
  const groupOptions = (group: string): string[] => {
    if (!options.configDir) throw new PyError('HydraException', 'ConfigLoader is not set');
    repo ??= new ConfigRepository([
      new BuiltinHydraSource(),
      new DirectorySource(path.resolve(options.cwd ?? process.cwd(), options.configDir), 'main', options.configDir),
    ]);
    return repo.groupOptions(group, 'config');
  };
  const lists = new Map<string, string[]>();
  for (const o of parsed) {
    const key = keyElement(o);
    if (isSweepOverride(o)) {
      if (o.parsed instanceof IntervalSweep) throw new PyError('HydraException', 'BasicSweeper does not support sweep type : INTERVAL_SWEEP');
      lists.set(key, sweepStrings(o, groupOptions).map((v) => `${key}=${v}`));
    } else {
      const value = o.parsed === undefined || isSweep(o.parsed) ? null : o.parsed;
      lists.set(key, [`${key}=${elementAsString(value)}`]);
    }
  }
  let jobs: string[][] = [[]];
  for (const values of lists.values()) {
    const next: string[][] = [];
    for (const job of jobs) for (const v of values) next.push([...job, v]);
    jobs = next;
  }
  return jobs;
}

/**
 * Expand multirun overrides into one override list per job (Hydra BasicSweeper order: the cartesian
 * product with the first override varying slowest). Each job's list is accepted by `compose`.
 */
export function expandSweeps(overrides: string[], options: ExpandSweepsOptions = {}): string[][] {
  return publicErrors(() => expand(overrides, options));
}
