/**
 * Functions callable in override values (Hydra's grammar_functions): casts int/float/str/bool, sort,
 * shuffle, and the sweeps choice/range/interval/glob/tag. Arguments are bound and type-checked the way
 * Python's inspect.Signature does, with the same error texts.
 */
import { PyError } from '../errors.js';
import type { Scalar } from '../node.js';
import { parsePyFloat, parsePyInt, pyFloatRepr, truncFloatToInt } from '../python/float.js';
import { pyLessThan, pyStrRepr } from '../python/value.js';
import type { ParsedElement, Sweep } from './types.js';
import { ChoiceSweep, GlobSweep, IntervalSweep, isSweep, ParsedDict, QuotedString, RangeSweep } from './types.js';

export type FunctionValue = ParsedElement | Sweep;

/** Python type name of a parsed value, for messages. */
export function parsedTypeName(value: FunctionValue): string {
  if (value === null) return 'NoneType';
  if (Array.isArray(value)) return 'list';
  if (value instanceof ParsedDict) return 'dict';
  if (value instanceof QuotedString) return 'QuotedString';
  if (value instanceof ChoiceSweep) return 'ChoiceSweep';
  if (value instanceof RangeSweep) return 'RangeSweep';
  if (value instanceof IntervalSweep) return 'IntervalSweep';
  if (value instanceof GlobSweep) return 'Glob';
  return { string: 'str', bigint: 'int', number: 'float', boolean: 'bool' }[typeof value as 'string'];
}

type Accept = (v: FunctionValue) => boolean;

const isNumber: Accept = (v) => typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean';
const anything: Accept = () => true;

interface Param {
  name: string;
  kind: 'positional' | 'varargs' | 'keyword';
  hasDefault?: boolean;
  accept: Accept;
  typeStr: string;
}

interface FunctionDef {
  params: Param[];
  call: (bound: Map<string, FunctionValue | FunctionValue[]>) => FunctionValue;
}

function bind(def: FunctionDef, args: FunctionValue[], kwargs: Map<string, FunctionValue>): Map<string, FunctionValue | FunctionValue[]> {
  const bound = new Map<string, FunctionValue | FunctionValue[]>();
  const positional = def.params.filter((p) => p.kind === 'positional');
  const varargs = def.params.find((p) => p.kind === 'varargs');
  let i = 0;
  for (const p of positional) {
    if (i < args.length) bound.set(p.name, args[i++]);
  }
  if (i < args.length) {
    if (!varargs) throw new PyError('TypeError', 'too many positional arguments');
    bound.set(varargs.name, args.slice(i));
  } else if (varargs) bound.set(varargs.name, []);
  for (const [name, value] of kwargs) {
    const p = def.params.find((q) => q.name === name && q.kind !== 'varargs');
    if (!p) throw new PyError('TypeError', `got an unexpected keyword argument '${name}'`);
    if (bound.has(name)) throw new PyError('TypeError', `multiple values for argument '${name}'`);
    bound.set(name, value);
  }
  for (const p of def.params) {
    if (p.kind !== 'varargs' && !bound.has(p.name) && !p.hasDefault) throw new PyError('TypeError', `missing a required argument: '${p.name}'`);
  }
  for (const p of def.params) {
    const value = bound.get(p.name);
    if (value === undefined) continue;
    if (p.kind === 'varargs') {
      (value as FunctionValue[]).forEach((v, idx) => {
        if (!p.accept(v)) throw new PyError('TypeError', `mismatch type argument ${p.name}[${idx}]: ${parsedTypeName(v)} is incompatible with ${p.typeStr}`);
      });
    } else if (!p.accept(value as FunctionValue)) {
      throw new PyError('TypeError', `mismatch type argument ${p.name}: ${parsedTypeName(value as FunctionValue)} is incompatible with ${p.typeStr}`);
    }
  }
  return bound;
}

function normalizeCastValue(bound: Map<string, FunctionValue | FunctionValue[]>): FunctionValue {
  const args = bound.get('args') as FunctionValue[];
  const value = bound.get('value') as FunctionValue | undefined;
  if (args.length > 0 && value !== undefined && value !== null) throw new PyError('TypeError', 'cannot use both position and named arguments');
  if (value !== undefined && value !== null) return value;
  if (args.length === 0) throw new PyError('TypeError', 'No positional args or value specified');
  if (args.length === 1) return args[0];
  return new ChoiceSweep([...(args as ParsedElement[])], true);
}

type ScalarCast = (v: Scalar) => Scalar;

/** Apply a cast through containers and sweeps as Hydra's cast_* functions do. */
function castDeep(value: FunctionValue, cast: ScalarCast, name: string): FunctionValue {
  if (value instanceof QuotedString) return castDeep(value.text, cast, name);
  if (value instanceof ParsedDict) {
    const out = new ParsedDict();
    for (const [k, v] of value.entries) out.entries.push([k, castDeep(v, cast, name) as ParsedElement]);
    return out;
  }
  if (Array.isArray(value)) return value.map((v) => castDeep(v, cast, name) as ParsedElement);
  if (value instanceof ChoiceSweep) {
    return new ChoiceSweep(
      value.list.map((v) => castDeep(v, cast, name) as ParsedElement),
      value.simpleForm,
    );
  }
  if (value instanceof RangeSweep) {
    if (name !== 'int' && name !== 'float') throw new PyError('ValueError', 'Range can only be cast to int or float');
    return new RangeSweep(cast(value.start) as bigint | number, cast(value.stop) as bigint | number, cast(value.step) as bigint | number);
  }
  if (value instanceof IntervalSweep) {
    if (name === 'str') throw new PyError('ValueError', 'Intervals cannot be cast to str');
    if (name === 'bool') throw new PyError('ValueError', 'Intervals cannot be cast to bool');
    const interval = new IntervalSweep(cast(value.start) as number, cast(value.end) as number);
    interval.tags = new Set(value.tags);
    return interval;
  }
  if (value instanceof GlobSweep || value === null) throw new PyError('AssertionError', '');
  return cast(value);
}

const castInt: ScalarCast = (v) => {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (typeof v === 'number') {
    try {
      return truncFloatToInt(v);
    } catch (err) {
      throw new PyError(Number.isNaN(v) ? 'ValueError' : 'OverflowError', (err as Error).message);
    }
  }
  const parsed = parsePyInt(v as string);
  if (parsed === undefined) throw new PyError('ValueError', `invalid literal for int() with base 10: ${pyStrRepr(v as string)}`);
  return parsed;
};

const castFloat: ScalarCast = (v) => {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint') {
    const x = Number(v);
    if (!Number.isFinite(x)) throw new PyError('OverflowError', 'int too large to convert to float');
    return x;
  }
  const parsed = parsePyFloat(v as string);
  if (parsed === undefined) throw new PyError('ValueError', `could not convert string to float: ${pyStrRepr(v as string)}`);
  return parsed;
};

const castStr: ScalarCast = (v) => {
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return pyFloatRepr(v);
  if (typeof v === 'bigint') return v.toString();
  return v;
};

const castBool: ScalarCast = (v) => {
  if (typeof v === 'string') {
    if (v.toLowerCase() === 'false') return false;
    if (v.toLowerCase() === 'true') return true;
    throw new PyError('ValueError', `Cannot cast '${v}' to bool`);
  }
  if (typeof v === 'bigint') return v !== 0n;
  if (typeof v === 'number') return v !== 0;
  return v as boolean;
};

function castDef(name: string, cast: ScalarCast): FunctionDef {
  return {
    params: [
      { name: 'args', kind: 'varargs', accept: anything, typeStr: 'Union[ParsedElementType, Sweep]' },
      { name: 'value', kind: 'keyword', hasDefault: true, accept: anything, typeStr: 'Optional[Union[ParsedElementType, Sweep]]' },
    ],
    call: (bound) => castDeep(normalizeCastValue(bound), cast, name),
  };
}

const isElementOrSweep: Accept = (v) => v instanceof ChoiceSweep || v instanceof RangeSweep || (v !== null && !(v instanceof QuotedString) && !isSweep(v));

function compareForSort(a: FunctionValue, b: FunctionValue): number {
  const asPy = (v: FunctionValue) => {
    if (v instanceof QuotedString || v === null || typeof v === 'object') {
      throw new PyError('TypeError', `'<' not supported between instances of '${parsedTypeName(a)}' and '${parsedTypeName(b)}'`);
    }
    return v;
  };
  const x = asPy(a);
  const y = asPy(b);
  if (pyLessThan(x, y)) return -1;
  if (pyLessThan(y, x)) return 1;
  return 0;
}

function sortedValues(values: FunctionValue[], reverse: boolean): FunctionValue[] {
  const copy = [...values];
  copy.sort((a, b) => (reverse ? compareForSort(b, a) : compareForSort(a, b)));
  return copy;
}

function sortSweep(sweep: ChoiceSweep | RangeSweep, reverse: boolean): ChoiceSweep | RangeSweep {
  if (sweep instanceof ChoiceSweep) {
    const out = new ChoiceSweep(sortedValues(sweep.list, reverse) as ParsedElement[], sweep.simpleForm, sweep.shuffle);
    out.tags = new Set(sweep.tags);
    return out;
  }
  const out = new RangeSweep(sweep.start, sweep.stop, sweep.step, sweep.shuffle);
  out.tags = new Set(sweep.tags);
  const lt = (x: bigint | number, y: bigint | number) => (typeof x === 'bigint' && typeof y === 'bigint' ? x < y : Number(x) < Number(y));
  const abs = (x: bigint | number) => (typeof x === 'bigint' ? (x < 0n ? -x : x) : Math.abs(x));
  const plus = (x: bigint | number, y: bigint | number) => (typeof x === 'bigint' && typeof y === 'bigint' ? x + y : Number(x) + Number(y));
  const minus = (x: bigint | number, y: bigint | number) => (typeof x === 'bigint' && typeof y === 'bigint' ? x - y : Number(x) - Number(y));
  const neg = (x: bigint | number) => (typeof x === 'bigint' ? -x : -x);
  if (!reverse && lt(sweep.stop, sweep.start)) {
    out.start = plus(sweep.stop, abs(sweep.step));
    out.stop = plus(sweep.start, abs(sweep.step));
    out.step = neg(sweep.step);
  } else if (reverse && lt(sweep.start, sweep.stop)) {
    out.start = minus(sweep.stop, abs(sweep.step));
    out.stop = minus(sweep.start, abs(sweep.step));
    out.step = neg(sweep.step);
  }
  return out;
}

/** A shuffled copy (Python's random.shuffle order is not reproducible, and Hydra does not seed it). */
export function shuffled<T>(values: T[]): T[] {
  const copy = [...values];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

const FUNCTIONS: Record<string, FunctionDef> = {
  int: castDef('int', castInt),
  float: castDef('float', castFloat),
  str: castDef('str', castStr),
  bool: castDef('bool', castBool),
  choice: {
    params: [
      {
        name: 'args',
        kind: 'varargs',
        accept: (v) => v !== null && !(v instanceof QuotedString) && (!isSweep(v) || v instanceof ChoiceSweep),
        typeStr: 'Union[str, int, float, bool, Dict[Any, Any], List[Any], ChoiceSweep]',
      },
    ],
    call: (bound) => {
      const args = bound.get('args') as FunctionValue[];
      if (args.length === 0) throw new PyError('ValueError', 'empty choice is not legal');
      if (args.length === 1 && args[0] instanceof ChoiceSweep) {
        if (!args[0].simpleForm) throw new PyError('ValueError', 'nesting choices is not supported');
        args[0].simpleForm = false;
        return args[0];
      }
      return new ChoiceSweep(args as ParsedElement[]);
    },
  },
  range: {
    params: [
      { name: 'start', kind: 'positional', accept: isNumber, typeStr: 'Union[int, float]' },
      { name: 'stop', kind: 'positional', hasDefault: true, accept: (v) => v === null || isNumber(v), typeStr: 'Optional[Union[int, float]]' },
      { name: 'step', kind: 'positional', hasDefault: true, accept: isNumber, typeStr: 'Union[int, float]' },
    ],
    call: (bound) => {
      const num = (v: FunctionValue | FunctionValue[] | undefined, dflt: bigint | number) =>
        v === undefined || v === null ? dflt : typeof v === 'boolean' ? (v ? 1n : 0n) : (v as bigint | number);
      let start = num(bound.get('start'), 0n);
      let stop = bound.get('stop') === undefined || bound.get('stop') === null ? undefined : num(bound.get('stop'), 0n);
      if (stop === undefined) {
        stop = start;
        start = 0n;
      }
      return new RangeSweep(start, stop, num(bound.get('step'), 1n));
    },
  },
  interval: {
    params: [
      { name: 'start', kind: 'positional', accept: isNumber, typeStr: 'Union[int, float]' },
      { name: 'end', kind: 'positional', accept: isNumber, typeStr: 'Union[int, float]' },
    ],
    call: (bound) => new IntervalSweep(castFloat(bound.get('start') as Scalar) as number, castFloat(bound.get('end') as Scalar) as number),
  },
  tag: {
    params: [
      { name: 'args', kind: 'varargs', accept: (v) => typeof v === 'string' || isSweep(v), typeStr: 'Union[str, Sweep]' },
      { name: 'sweep', kind: 'keyword', hasDefault: true, accept: (v) => v === null || isSweep(v), typeStr: 'Optional[Sweep]' },
    ],
    call: (bound) => {
      let args = bound.get('args') as FunctionValue[];
      const sweep = bound.get('sweep') as FunctionValue | undefined;
      if (args.length < 1 && (sweep === undefined || sweep === null)) throw new PyError('ValueError', 'Not enough arguments to tag, must take at least a sweep');
      if (sweep !== undefined && sweep !== null) args = [...args, sweep];
      const last = args[args.length - 1];
      if (!isSweep(last)) throw new PyError('ValueError', `Last argument to tag() must be a choice(), range() or interval(), got NoneType`);
      const tags = new Set<string>();
      for (const t of args.slice(0, -1)) {
        if (typeof t !== 'string') throw new PyError('ValueError', `tag arguments type must be string, got ${parsedTypeName(t)}`);
        tags.add(t);
      }
      last.tags = tags;
      return last;
    },
  },
  sort: {
    params: [
      { name: 'args', kind: 'varargs', accept: isElementOrSweep, typeStr: 'Union[str, int, float, bool, List[Any], Dict[str, Any], ChoiceSweep, RangeSweep]' },
      { name: 'sweep', kind: 'keyword', hasDefault: true, accept: (v) => v === null || v instanceof ChoiceSweep || v instanceof RangeSweep, typeStr: 'Optional[Union[ChoiceSweep, RangeSweep]]' },
      { name: 'list', kind: 'keyword', hasDefault: true, accept: (v) => v === null || Array.isArray(v), typeStr: 'Optional[List[Any]]' },
      { name: 'reverse', kind: 'keyword', hasDefault: true, accept: (v) => typeof v === 'boolean', typeStr: 'bool' },
    ],
    call: (bound) => {
      const reverse = (bound.get('reverse') as boolean | undefined) ?? false;
      const list = bound.get('list') as FunctionValue[] | null | undefined;
      const sweep = bound.get('sweep') as ChoiceSweep | RangeSweep | null | undefined;
      const args = bound.get('args') as FunctionValue[];
      if (list) return sortedValues(list, reverse) as ParsedElement[];
      if (sweep) return sortSweep(sweep, reverse);
      if (args.length === 1) {
        const arg = args[0];
        if (arg instanceof ChoiceSweep || arg instanceof RangeSweep) return sortSweep(arg, reverse);
        if (Array.isArray(arg)) return sortedValues(arg, reverse) as ParsedElement[];
        return arg;
      }
      for (const arg of args) {
        if (arg === null || typeof arg === 'object') throw new PyError('TypeError', 'Invalid arguments');
      }
      if (args.length === 0) throw new PyError('ValueError', 'empty sort input');
      return sortSweep(new ChoiceSweep([...(args as ParsedElement[])], true), reverse);
    },
  },
  shuffle: {
    params: [
      { name: 'args', kind: 'varargs', accept: isElementOrSweep, typeStr: 'Union[str, int, float, bool, List[Any], Dict[str, Any], ChoiceSweep, RangeSweep]' },
      { name: 'sweep', kind: 'keyword', hasDefault: true, accept: (v) => v === null || v instanceof ChoiceSweep || v instanceof RangeSweep, typeStr: 'Optional[Union[ChoiceSweep, RangeSweep]]' },
      { name: 'list', kind: 'keyword', hasDefault: true, accept: (v) => v === null || Array.isArray(v), typeStr: 'Optional[List[Any]]' },
    ],
    call: (bound) => {
      const list = bound.get('list') as ParsedElement[] | null | undefined;
      const sweep = bound.get('sweep') as ChoiceSweep | RangeSweep | null | undefined;
      const args = bound.get('args') as FunctionValue[];
      const shuffleOne = (arg: FunctionValue): FunctionValue => {
        if (arg instanceof ChoiceSweep) {
          const out = new ChoiceSweep([...arg.list], arg.simpleForm, true);
          out.tags = new Set(arg.tags);
          return out;
        }
        if (arg instanceof RangeSweep) {
          const out = new RangeSweep(arg.start, arg.stop, arg.step, true);
          out.tags = new Set(arg.tags);
          return out;
        }
        if (Array.isArray(arg)) return shuffled(arg);
        return [arg as ParsedElement];
      };
      if (list) return shuffleOne(list);
      if (sweep) return shuffleOne(sweep);
      if (args.length === 1) return shuffleOne(args[0]);
      return new ChoiceSweep([...(args as ParsedElement[])], true, true);
    },
  },
  glob: {
    params: [
      { name: 'include', kind: 'positional', accept: (v) => typeof v === 'string' || Array.isArray(v), typeStr: 'Union[List[str], str]' },
      { name: 'exclude', kind: 'positional', hasDefault: true, accept: (v) => v === null || typeof v === 'string' || Array.isArray(v), typeStr: 'Optional[Union[List[str], str]]' },
    ],
    call: (bound) => {
      const asList = (v: FunctionValue | FunctionValue[] | undefined): string[] =>
        v === undefined || v === null ? [] : Array.isArray(v) ? v.map((x) => (x instanceof QuotedString ? x.text : String(x))) : [String(v)];
      return new GlobSweep(asList(bound.get('include')), asList(bound.get('exclude')));
    },
  },
};

/** Evaluate `name(args, kw=...)` (Hydra's Functions.eval); QuotedString arguments are unquoted first. */
export function callOverrideFunction(name: string, args: FunctionValue[], kwargs: Map<string, FunctionValue>): FunctionValue {
  const def = FUNCTIONS[name];
  if (!def) {
    throw new PyError('HydraException', `Unknown function '${name}'\nAvailable: ${Object.keys(FUNCTIONS).sort().join(',')}\n`);
  }
  const unquote = (v: FunctionValue) => (v instanceof QuotedString ? v.text : v);
  const bound = bind(def, args.map(unquote), new Map([...kwargs].map(([k, v]) => [k, unquote(v)])));
  return def.call(bound);
}
