// Config trees as JSON for the parse store: what YAML loading builds comes back node for node (Python types,
// key types and order, source lines), anything else is refused rather than stored or read wrongly.
import { describe, expect, it } from 'vitest';
import type { ConfigNode } from '../../src/config/node.js';
import { createDict, createValue, dictSet } from '../../src/config/node.js';
import { loadYaml } from '../../src/config/yaml/load.js';
import { TreeJsonError, treeFromJson, treeToJson } from '../../src/config/yaml/tree-json.js';

/** Everything about a node that composition can see, as plain data (types spelled out, parents checked). */
function shape(node: ConfigNode): unknown {
  const typed = (v: unknown) => (Object.is(v, -0) ? '-0' : typeof v === 'number' && Number.isNaN(v) ? 'NaN' : v);
  const base = { kind: node.kind, key: typed(node.key), keyType: typeof node.key, source: node.source ?? null };
  if (node.kind === 'value') return { ...base, value: typed(node.value), valueType: typeof node.value };
  const children = node.kind === 'dict' ? [...node.entries.values()] : node.items;
  for (const child of children) expect(child.parent).toBe(node);
  const ids = node.kind === 'dict' ? [...node.entries.keys()].map((id) => (id.startsWith('nan') ? 'nan' : id)) : [];
  return { ...base, flags: node.flags, ids, children: children.map(shape) };
}

const TRICKY = `
int: 1
float: 1.0
neg_zero: -0.0
nan: .nan
inf: .inf
minus_inf: -.inf
huge: 123456789012345678901234567890
octal: 0o17
none: null
yes_bool: yes
str: "text"
multi: "two\\nlines"
interp: \${int}
missing: ???
7: int key
2.5: float key
false: bool key
"8": string key
.nan: nan key
list: [1, 'x', {k: v}, [], {}]
nested:
  deeper:
    - a
    - b: 2
empty_map: {}
empty_list: []
`;

describe('tree JSON', () => {
  it('gives back the tree YAML loading built: types, keys, order and lines', () => {
    const loaded = loadYaml(TRICKY, { markName: 't.yaml', sourceFile: 'conf/t.yaml' });
    const json = treeToJson(loaded, 'conf/t.yaml');
    expect(json).toBeDefined();
    const back = treeFromJson(JSON.parse(JSON.stringify(json)), 'conf/t.yaml');
    expect(shape(back)).toEqual(shape(loaded));
    // Spot checks against the YAML text itself, so a loader change cannot hide a round-trip error.
    const get = (key: string) => back.kind === 'dict' && back.entries.get(`s${key}`);
    expect(get('huge')).toMatchObject({ value: 123456789012345678901234567890n, source: { file: 'conf/t.yaml', line: 8 } });
    expect(Object.is((get('neg_zero') as { value: unknown }).value, -0)).toBe(true);
    expect(get('float')).toMatchObject({ value: 1 });
    expect(typeof (get('float') as { value: unknown }).value).toBe('number');
    expect((get('int') as { value: unknown }).value).toBe(1n);
  });

  it('names the file it is read for in every source, and keeps a root without one', () => {
    const loaded = loadYaml('- a\n- {b: 1}\n', { markName: 'l.yaml', sourceFile: 'l.yaml' });
    const back = treeFromJson(treeToJson(loaded, 'l.yaml'), 'other/l.yaml');
    expect(back.source).toEqual({ file: 'other/l.yaml', line: 1 });
    expect(back.kind === 'list' && back.items[1].kind === 'dict' && back.items[1].source).toEqual({ file: 'other/l.yaml', line: 2 });
    const empty = loadYaml('', { markName: 'e.yaml', sourceFile: 'e.yaml' });
    expect(shape(treeFromJson(treeToJson(empty, 'e.yaml'), 'e.yaml'))).toEqual(shape(empty));
  });

  it('refuses to store trees that are not a plain load of that one file', () => {
    const loaded = loadYaml('a: 1\n', { markName: 'a.yaml', sourceFile: 'a.yaml' });
    expect(treeToJson(loaded, 'b.yaml')).toBeUndefined();
    const overridden = createDict({ file: 'a.yaml', line: 1 });
    dictSet(overridden, 'x', createValue(1n, { override: 'x=1' }));
    expect(treeToJson(overridden, 'a.yaml')).toBeUndefined();
    const struct = createDict();
    struct.flags.struct = true;
    expect(treeToJson(struct, 'a.yaml')).toBeUndefined();
  });

  it('rejects JSON it did not write', () => {
    for (const bad of [null, 3, 'x', [1, 'v'], { l: 1 }, { l: -1, d: [] }, { l: 1, d: ['k'] }, { l: 1, d: [{ i: '1.5' }, [1, 1]] }, { l: 1, d: ['k', [1, { f: 'huge' }]] }, { l: 1, d: [null, [1, 1]] }, { l: 1.5, s: [] }]) {
      expect(() => treeFromJson(bad, 'a.yaml'), JSON.stringify(bad)).toThrow(TreeJsonError);
    }
  });
});
