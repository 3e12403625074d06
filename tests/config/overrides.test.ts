// Command-line override grammar (Hydra 1.3 OverrideParser): forms, value typing, escapes, casts, syntax
// error texts, and multirun sweep expansion in BasicSweeper order. Expected values follow the grammar
// rules in hydra-semantics.md §3 and the behaviour of the real-Hydra conformance cases.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigComposeError, expandSweeps } from '../../src/config/index.js';
import { HydraCompactError } from '../../src/config/errors.js';
import { parseOverride } from '../../src/config/overrides/parser.js';
import { overrideValue, QuotedString } from '../../src/config/overrides/types.js';
import { PyDict } from '../../src/config/python/value.js';

const value = (line: string) => overrideValue(parseOverride(line));

function syntaxError(line: string): string {
  try {
    parseOverride(line);
  } catch (err) {
    if (err instanceof HydraCompactError) return err.message;
    throw err;
  }
  throw new Error(`expected a syntax error for ${line}`);
}

describe('override forms', () => {
  it('tells change, add, force-add and delete apart', () => {
    expect(parseOverride('a.b=1')).toMatchObject({ type: 'change', keyOrGroup: 'a.b', package: null, valueType: 'element' });
    expect(parseOverride('+a=1')).toMatchObject({ type: 'add', keyOrGroup: 'a' });
    expect(parseOverride('++a.b=1')).toMatchObject({ type: 'force_add', keyOrGroup: 'a.b' });
    expect(parseOverride('~a.b')).toMatchObject({ type: 'delete', keyOrGroup: 'a.b', valueType: null, parsed: undefined });
    expect(parseOverride('~a.b=3')).toMatchObject({ type: 'delete', parsed: 3n });
  });

  it('parses groups and packages', () => {
    expect(parseOverride('hydra/job_logging=disabled')).toMatchObject({ keyOrGroup: 'hydra/job_logging', package: null });
    expect(parseOverride('optim@policy.optim=lion')).toMatchObject({ keyOrGroup: 'optim', package: 'policy.optim' });
    expect(parseOverride('db@=x')).toMatchObject({ keyOrGroup: 'db', package: '' });
    expect(parseOverride('matrix.1=5')).toMatchObject({ keyOrGroup: 'matrix.1' });
    expect(parseOverride('$x=5')).toMatchObject({ keyOrGroup: '$x' });
  });
});

describe('override values', () => {
  it('types numbers like Python (ints exact at any size, leading zeros stay strings)', () => {
    expect(value('a=1_000')).toBe(1000n);
    expect(value('a=+5')).toBe(5n);
    expect(value('a=123456789012345678901234567890')).toBe(123456789012345678901234567890n);
    expect(value('a=007')).toBe('007');
    expect(value('a=0x10')).toBe('0x10');
    expect(value('a=1__0')).toBe('1__0');
    expect(value('a=1e-6')).toBe(1e-6);
    expect(value('a=5.')).toBe(5);
    expect(value('a=1e999')).toBe(Infinity);
    expect(value('a=-NaN')).toBeNaN();
  });

  it('types booleans and null case-insensitively, other words stay strings', () => {
    expect(value('a=tRuE')).toBe(true);
    expect(value('a=FALSE')).toBe(false);
    expect(value('a=nUlL')).toBeNull();
    expect(value('a=yes')).toBe('yes');
    expect(value('a=none')).toBe('none');
    expect(value('a=')).toBe('');
  });

  it('keeps quoted strings as strings and unescapes only quotes', () => {
    expect(parseOverride("a='it\\'s'").parsed).toEqual(new QuotedString("it's", "'"));
    expect(value('a="say \\"hi\\""')).toBe('say "hi"');
    expect(value("a='dir\\\\'")).toBe('dir\\');
    expect(value('a="C:\\temp\\new"')).toBe('C:\\temp\\new');
    expect(value("a='${x}!'")).toBe('${x}!');
  });

  it('trims outer whitespace, keeps inner runs and unescapes escapes', () => {
    expect(value('a=   both   ')).toBe('both');
    expect(value('a=a  b\tc')).toBe('a  b\tc');
    expect(value('a=\\ \\ two\\ \\ ')).toBe('  two  ');
    expect(value('a=C:\\\\Users')).toBe('C:\\Users');
    expect(value('a=https://h:80/p?q\\=1')).toBe('https://h:80/p?q=1');
    expect(value('a=${x}_y')).toBe('${x}_y');
  });

  it('builds lists and dicts with typed keys; repeated dict keys keep the last value', () => {
    expect(value('a=[1, [x], {k: v}]')).toEqual([1n, ['x'], Object.assign(new PyDict(), { entries: [['k', 'v']] })]);
    const dict = value('a={1: one, 2.5: two, false: off, x y: z, 007: p, k: 1, k: 2}') as PyDict;
    expect(dict.entries).toEqual([
      [1n, 'one'],
      [2.5, 'two'],
      [false, 'off'],
      ['x y', 'z'],
      ['007', 'p'],
      ['k', 2n],
    ]);
  });

  it('evaluates casts and sort at parse time', () => {
    expect(value('a=int(3.9)')).toBe(3n);
    expect(value('a=int(-2.7)')).toBe(-2n);
    expect(value('a=float(3)')).toBe(3);
    expect(value('a=str(1e-3)')).toBe('0.001');
    expect(value('a=str(true)')).toBe('true');
    expect(value("a=int('42')")).toBe(42n);
    expect(value("a=bool('false')")).toBe(false);
    expect(value('a=str([1,true,2.5])')).toEqual(['1', 'true', '2.5']);
    expect(value('a=sort([3,1,2])')).toEqual([1n, 2n, 3n]);
    expect(value('a=sort([b,c,a],reverse=true)')).toEqual(['c', 'b', 'a']);
  });
});

describe('override syntax errors read like Hydra', () => {
  it('reports a character the key lexer cannot read, with a caret', () => {
    expect(syntaxError('threads = 8')).toBe(
      "LexerNoViableAltException: threads = 8\n                                  ^\nSee https://hydra.cc/docs/1.2/advanced/override_grammar/basic for details",
    );
  });

  it('reports an unfinished container as no viable alternative', () => {
    expect(syntaxError('quota={cpu:2,mem:4')).toBe(
      "no viable alternative at input '{cpu:2,mem:4'\nSee https://hydra.cc/docs/1.2/advanced/override_grammar/basic for details",
    );
    expect(syntaxError('x=[b,c')).toMatch(/^no viable alternative at input '\[b,c'/);
  });

  it('reports trailing input and a missing =', () => {
    expect(syntaxError("motto='carpe'diem")).toBe(
      "Error parsing override 'motto='carpe'diem'\nextraneous input 'diem' expecting <EOF>\nSee https://hydra.cc/docs/1.2/advanced/override_grammar/basic for details",
    );
    expect(syntaxError('foo')).toMatch(/^Error parsing override 'foo'\nmissing EQUAL at '<EOF>'\n/);
    expect(syntaxError('a=b=c')).toMatch(/^mismatched input '=' expecting <EOF>\n/);
  });

  it('reports function errors with the function text', () => {
    expect(syntaxError('a=int(abc)')).toMatch(/^Error parsing override 'a=int\(abc\)'\nValueError while evaluating 'int\(abc\)': invalid literal for int\(\) with base 10: 'abc'\n/);
    expect(syntaxError('a=nope(1)')).toMatch(/HydraException while evaluating 'nope\(1\)': Unknown function 'nope'\nAvailable: bool,choice,float,glob,int,interval,range,shuffle,sort,str,tag\n/);
  });
});

describe('sweeps', () => {
  it('classifies sweep values', () => {
    expect(parseOverride('a=1,2').valueType).toBe('simple_choice_sweep');
    expect(parseOverride('a=[1],[2]').valueType).toBe('simple_choice_sweep');
    expect(parseOverride('a=choice(1,2)').valueType).toBe('choice_sweep');
    expect(parseOverride('a=range(1,5,2)').valueType).toBe('range_sweep');
    expect(parseOverride('a=interval(0,1)').valueType).toBe('interval_sweep');
    expect(parseOverride('db=glob(*)').valueType).toBe('glob_choice_sweep');
    expect(parseOverride('a=shuffle(1,2)').valueType).toBe('simple_choice_sweep');
  });

  it('expands to the cartesian product, first override varying slowest', () => {
    expect(expandSweeps(['a=1,2', 'b=x,y', 'c=3'])).toEqual([
      ['a=1', 'b=x', 'c=3'],
      ['a=1', 'b=y', 'c=3'],
      ['a=2', 'b=x', 'c=3'],
      ['a=2', 'b=y', 'c=3'],
    ]);
    expect(expandSweeps([])).toEqual([[]]);
  });

  it('expands choice(), range() (int and float) and sorted sweeps', () => {
    expect(expandSweeps(['m=choice(a,b)'])).toEqual([['m=a'], ['m=b']]);
    expect(expandSweeps(['n=range(3)'])).toEqual([['n=0'], ['n=1'], ['n=2']]);
    expect(expandSweeps(['n=range(5,0,-2)'])).toEqual([['n=5'], ['n=3'], ['n=1']]);
    expect(expandSweeps(['lr=range(0,1,0.25)'])).toEqual([['lr=0.0'], ['lr=0.25'], ['lr=0.5'], ['lr=0.75']]);
    expect(expandSweeps(['x=sort(c,a,b)'])).toEqual([['x=a'], ['x=b'], ['x=c']]);
  });

  it('writes values back so that compose parses them to the same thing', () => {
    expect(expandSweeps(["x='a b',c", 'flag=true,false', 'lst=[1, 2]', '~gone', 'e=1e-6'])).toEqual([
      ["x='a b'", 'flag=True', 'lst=[1,2]', '~gone=null', 'e=1e-06'],
      ["x='a b'", 'flag=False', 'lst=[1,2]', '~gone=null', 'e=1e-06'],
      ['x=c', 'flag=True', 'lst=[1,2]', '~gone=null', 'e=1e-06'],
      ['x=c', 'flag=False', 'lst=[1,2]', '~gone=null', 'e=1e-06'],
    ]);
  });

  it('expands glob() over the options of a group', () => {
    const configDir = path.resolve(import.meta.dirname, '../fixtures/config/trees/app');
    expect(expandSweeps(['db=glob(*)'], { configDir })).toEqual([['db=mysql'], ['db=postgres']]);
    expect(expandSweeps(['db=glob(*,exclude=my*)'], { configDir })).toEqual([['db=postgres']]);
  });

  it('rejects interval sweeps and sweeps over hydra config', () => {
    expect(() => expandSweeps(['a=interval(0,1)'])).toThrow('hydra.errors.HydraException: BasicSweeper does not support sweep type : INTERVAL_SWEEP');
    try {
      expandSweeps(['hydra.verbose=true,false']);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigComposeError);
      expect((err as ConfigComposeError).hydraMessage).toBe("Sweeping over Hydra's configuration is not supported : 'hydra.verbose=true,false'");
    }
  });
});
