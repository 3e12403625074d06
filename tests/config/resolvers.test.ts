// Built-in resolvers and interpolation semantics on configs built from YAML text (OmegaConf 2.2
// behaviour as described in hydra-semantics.md §4).
import { describe, expect, it } from 'vitest';
import { ConfigComposeError, resolveAll, toPlain, toYaml } from '../../src/config/index.js';
import type { DictNode } from '../../src/config/node.js';
import { defaultRootContext } from '../../src/config/omega/resolve.js';
import { strftime } from '../../src/config/resolvers/strftime.js';
import { loadYaml } from '../../src/config/yaml/load.js';

function load(text: string, env: Record<string, string> = {}): DictNode {
  const node = loadYaml(text, { markName: '<test>', sourceFile: 'test.yaml' }) as DictNode;
  node.context = { ...defaultRootContext(), env, now: new Date(2023, 0, 2, 3, 4, 5, 678) };
  return node;
}

function resolved(text: string, env: Record<string, string> = {}): unknown {
  return toPlain(resolveAll(load(text, env)));
}

function failure(text: string): ConfigComposeError {
  try {
    resolveAll(load(text));
  } catch (err) {
    if (err instanceof ConfigComposeError) return err;
    throw err;
  }
  throw new Error('expected a resolution failure');
}

describe('interpolation', () => {
  it('keeps the type of whole-value references and str()-formats concatenations', () => {
    expect(resolved('a: 3\nb: ${a}\nc: v=${a}\nd: ${e}\ne: [1, 2.5]\nf: "x${e}"\ng: ${h}-${h}\nh: null\ni: ${j}\nj: false\nk: "${j}!"')).toEqual({
      a: 3,
      b: 3,
      c: 'v=3',
      d: [1, 2.5],
      e: [1, 2.5],
      f: 'x[1, 2.5]',
      g: 'None-None',
      h: null,
      i: false,
      j: false,
      k: 'False!',
    });
  });

  it('follows relative, bracket, index and nested keys', () => {
    expect(resolved('x:\n  a: 1\n  b: ${.a}\n  c:\n    d: ${..a}\nl: [10, 20]\nm: ${l.1}\nn: ${l[0]}\nk: a\no: ${x.${k}}\np: ${x[a]}')).toEqual({
      x: { a: 1, b: 1, c: { d: 1 } },
      l: [10, 20],
      m: 20,
      n: 10,
      k: 'a',
      o: 1,
      p: 1,
    });
  });

  it('treats \\${ as a literal and turns references to ??? into ???', () => {
    expect(resolved('a: \\${x}\nb: ???\nc: ${b}\nd: pre ${b}')).toEqual({ a: '${x}', b: '???', c: '???', d: '???' });
    expect(toYaml(load('a: \\${x}'))).toBe('a: \\${x}\n');
  });

  it('reports missing keys, cycles and unknown resolvers with OmegaConf types', () => {
    expect(failure('a: ${nope}')).toMatchObject({ exceptionType: 'omegaconf.errors.InterpolationKeyError', hydraMessage: "Interpolation key 'nope' not found" });
    expect(failure('a: ${b}\nb: ${a}').hydraMessage).toBe('Recursive interpolation detected');
    expect(failure('a: ${foo:1}')).toMatchObject({ exceptionType: 'omegaconf.errors.UnsupportedInterpolationType', hydraMessage: 'Unsupported interpolation type foo' });
    expect(failure('a:\n  b: ${a}').hydraMessage).toBe('Interpolation to parent node detected');
    expect(failure('a: ${...x}').hydraMessage).toBe("ConfigKeyError while resolving interpolation: Error resolving key '...x'");
  });
});

describe('built-in resolvers', () => {
  it('oc.env: variable, defaults converted with str(), null kept, missing is an error', () => {
    expect(resolved('a: ${oc.env:V}\nb: ${oc.env:U,3}\nc: ${oc.env:U,null}\nd: ${oc.env:U,\'x,y\'}\ne: ${oc.env:U,true}', { V: 'v' })).toEqual({
      a: 'v',
      b: '3',
      c: null,
      d: 'x,y',
      e: 'True',
    });
    expect(failure('a: ${oc.env:NOPE}')).toMatchObject({
      exceptionType: 'omegaconf.errors.InterpolationResolutionError',
      hydraMessage: 'KeyError raised while resolving interpolation: "Environment variable \'NOPE\' not found"',
    });
  });

  it('oc.select: absolute and relative keys, defaults for absent or ??? values', () => {
    expect(resolved('x: 1\nm: ???\nn: null\ns:\n  y: 2\n  a: ${oc.select:x}\n  b: ${oc.select:.y}\n  c: ${oc.select:nope,5}\n  d: ${oc.select:m,d}\n  e: ${oc.select:n,d}\n  f: ${oc.select:nope}')).toEqual({
      x: 1,
      m: '???',
      n: null,
      s: { y: 2, a: 1, b: 2, c: 5, d: 'd', e: null, f: null },
    });
  });

  it('oc.decode, oc.create, oc.dict.keys and oc.dict.values', () => {
    expect(resolved("a: ${oc.decode:'0.5'}\nb: \"${oc.create:'{x: 1}'}\"\nd:\n  k1: 1\n  k2: ${d.k1}\nks: ${oc.dict.keys:d}\nvs: ${oc.dict.values:d}\nr:\n  e: {p: 1}\n  vals: ${oc.dict.values:.e}")).toEqual({
      a: 0.5,
      b: { x: 1 },
      d: { k1: 1, k2: 1 },
      ks: ['k1', 'k2'],
      vs: [1, 1],
      r: { e: { p: 1 }, vals: [1] },
    });
    expect(failure("a: ${oc.decode:'[1, 2]'}")).toMatchObject({
      exceptionType: 'omegaconf.errors.UnsupportedValueType',
      hydraMessage: "Value 'list' is not a supported primitive type",
    });
    expect(failure("a: ${oc.decode:'[1'}").exceptionType).toBe('omegaconf.errors.InterpolationResolutionError');
  });

  it('oc.deprecated returns the new key and warns', () => {
    const node = load('new: 1\nold: ${oc.deprecated:new}');
    expect(toPlain(resolveAll(node))).toEqual({ new: 1, old: 1 });
    expect(node.context?.warnings).toEqual(["'old' is deprecated. Change your code and config to use 'new'"]);
  });

  it('now, python_version, and hydra without a hydra node', () => {
    expect(resolved('a: ${now:%Y-%m-%d_%H:%M:%S.%f}\nb: ${python_version:}\nc: ${python_version:major}\nd: ${python_version:micro}')).toEqual({
      a: '2023-01-02_03:04:05.678000',
      b: '3.11',
      c: '3',
      d: '3.11.2',
    });
    expect(failure('a: ${hydra:job.name}').hydraMessage).toBe('ValueError raised while resolving interpolation: HydraConfig was not set');
  });

  it('strftime covers the common directives', () => {
    const d = new Date(2024, 1, 29, 13, 5, 9);
    expect(strftime(d, '%a %A %b %B %d %e %H %I %M %S %p %y %Y %j %m %% %U %W %w %u %G-W%V')).toBe(
      'Thu Thursday Feb February 29 29 13 01 05 09 PM 24 2024 060 02 % 08 09 4 4 2024-W09',
    );
  });
});

describe('malformed interpolations', () => {
  it('fail with GrammarParseError instead of hanging or crashing', () => {
    for (const text of ['${${', '${a', '${a:', '${.}x${', "${oc.select:'a}", '${a[}']) {
      expect(failure(`v: "${text}"`).exceptionType, text).toBe('omegaconf.errors.GrammarParseError');
    }
  });
});
