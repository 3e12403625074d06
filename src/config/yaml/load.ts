/**
 * YAML loading exactly as OmegaConf.load does it: PyYAML's SafeLoader (YAML 1.1 typing, no timestamps, plus
 * OmegaConf's float rule), duplicate string keys rejected, `<<` merge keys flattened PyYAML's way, then the
 * Python objects wrapped into config nodes. The `yaml` package parses; typing and construction are ours.
 *
 * Every node remembers its source line for provenance and error messages.
 */
import type { Document, LineCounter, Node as YamlNode } from 'yaml';
import { PyError } from '../errors.js';
import type { ConfigNode, ContainerNode, DictKey, Scalar, Source } from '../node.js';
import { createDict, createList, createValue, dictSet, keyId, listAppend } from '../node.js';
import { parsePyFloat } from '../python/float.js';
import { pyStrRepr } from '../python/value.js';
import { resolvePlainForLoad } from './implicit.js';
import { yamlLib } from './yaml-lib.js';

const TAG_PREFIX = 'tag:yaml.org,2002:';

/** A position as PyYAML reports it (0-based internally, printed 1-based). */
interface Mark {
  line: number;
  column: number;
}

interface ComposedScalar {
  kind: 'scalar';
  tag: string;
  value: string;
  mark: Mark;
}
interface ComposedMap {
  kind: 'map';
  tag: string;
  pairs: Array<[ComposedNode, ComposedNode]>;
  mark: Mark;
}
interface ComposedSeq {
  kind: 'seq';
  tag: string;
  items: ComposedNode[];
  mark: Mark;
}
type ComposedNode = ComposedScalar | ComposedMap | ComposedSeq;

/** Python objects built by the constructor, before they become config nodes. */
type Loaded =
  | { kind: 'scalar'; value: Scalar; line: number }
  | { kind: 'map'; entries: Map<string, [DictKey, Loaded]>; line: number }
  | { kind: 'seq'; items: Loaded[]; line: number };

export interface YamlSourceInfo {
  /** Name in PyYAML error marks: the file's path, or '<unicode string>' for text. */
  markName: string;
  /** File name recorded as provenance of every value (e.g. 'db/mysql.yaml'); omit for text. */
  sourceFile?: string;
}

function markText(name: string, mark: Mark): string {
  return `  in "${name}", line ${mark.line + 1}, column ${mark.column + 1}`;
}

/** PyYAML's MarkedYAMLError text (context line and mark, problem line and mark). */
function markedError(
  type: string,
  name: string,
  context: string | null,
  contextMark: Mark | null,
  problem: string,
  problemMark: Mark | null,
): PyError {
  const lines: string[] = [];
  if (context !== null) lines.push(context);
  if (
    contextMark &&
    (problemMark === null || contextMark.line !== problemMark.line || contextMark.column !== problemMark.column)
  ) {
    lines.push(markText(name, contextMark));
  }
  lines.push(problem);
  if (problemMark) lines.push(markText(name, problemMark));
  return new PyError(type, lines.join('\n'));
}

class Loader {
  private readonly composed = new Map<YamlNode, ComposedNode>();
  private readonly constructed = new Map<ComposedNode, Loaded>();
  private readonly constructing = new Set<ComposedNode>();
  private readonly flattened = new Set<ComposedMap>();
  private readonly yaml = yamlLib();

  constructor(
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
    private readonly info: YamlSourceInfo,
  ) {}

  private mark(offset: number): Mark {
    const pos = this.lines.linePos(offset);
    return { line: pos.line - 1, column: pos.col - 1 };
  }

  compose(node: YamlNode | null): ComposedNode {
    if (node === null) return { kind: 'scalar', tag: `${TAG_PREFIX}null`, value: '', mark: { line: 0, column: 0 } };
    const cached = this.composed.get(node);
    if (cached) return cached;
    let result: ComposedNode;
    const { isAlias, isMap, isScalar, isSeq } = this.yaml;
    if (isAlias(node)) {
      const target = node.resolve(this.doc);
      if (!target) {
        const mark = this.mark(node.range?.[0] ?? 0);
        throw markedError('ComposerError', this.info.markName, null, null, `found undefined alias '${node.source}'`, mark);
      }
      return this.compose(target);
    }
    const mark = this.mark(node.range?.[0] ?? 0);
    if (isScalar(node)) {
      const text = typeof node.value === 'string' ? node.value : String(node.value ?? '');
      result = { kind: 'scalar', tag: this.scalarTag(node.tag, node.type === 'PLAIN', text), value: text, mark };
    } else if (isMap(node)) {
      const map: ComposedMap = { kind: 'map', tag: node.tag ?? `${TAG_PREFIX}map`, pairs: [], mark };
      this.composed.set(node, map);
      for (const pair of node.items) {
        map.pairs.push([this.compose(pair.key as YamlNode | null), this.compose(pair.value as YamlNode | null)]);
      }
      return map;
    } else if (isSeq(node)) {
      const seq: ComposedSeq = { kind: 'seq', tag: node.tag ?? `${TAG_PREFIX}seq`, items: [], mark };
      this.composed.set(node, seq);
      for (const item of node.items) seq.items.push(this.compose(item as YamlNode | null));
      return seq;
    } else {
      throw new Error('unexpected YAML node type');
    }
    this.composed.set(node, result);
    return result;
  }

  private scalarTag(explicit: string | undefined, plain: boolean, text: string): string {
    if (explicit === '!') return `${TAG_PREFIX}str`;
    if (explicit !== undefined) return explicit;
    return plain ? `${TAG_PREFIX}${resolvePlainForLoad(text)}` : `${TAG_PREFIX}str`;
  }

  construct(node: ComposedNode): Loaded {
    const cached = this.constructed.get(node);
    if (cached) return cached;
    if (this.constructing.has(node)) {
      throw markedError('ConstructorError', this.info.markName, null, null, 'found unconstructable recursive node', node.mark);
    }
    this.constructing.add(node);
    let result: Loaded;
    if (node.kind === 'scalar') result = { kind: 'scalar', value: this.constructScalar(node), line: node.mark.line + 1 };
    else if (node.kind === 'seq') {
      this.checkCollectionTag(node, 'seq');
      result = { kind: 'seq', items: node.items.map((item) => this.construct(item)), line: node.mark.line + 1 };
    } else {
      this.checkCollectionTag(node, 'map');
      result = this.constructMapping(node);
    }
    this.constructing.delete(node);
    this.constructed.set(node, result);
    return result;
  }

  private checkCollectionTag(node: ComposedMap | ComposedSeq, expected: string): void {
    if (node.tag !== `${TAG_PREFIX}${expected}`) {
      throw markedError('ConstructorError', this.info.markName, null, null, `could not determine a constructor for the tag '${node.tag}'`, node.mark);
    }
  }

  private constructScalar(node: ComposedScalar): Scalar {
    const text = node.value;
    switch (node.tag) {
      case `${TAG_PREFIX}str`:
        return text;
      case `${TAG_PREFIX}null`:
        return null;
      case `${TAG_PREFIX}bool`: {
        const b = ({ yes: true, no: false, true: true, false: false, on: true, off: false } as Record<string, boolean>)[text.toLowerCase()];
        if (b === undefined) throw new PyError('KeyError', `'${text.toLowerCase()}'`);
        return b;
      }
      case `${TAG_PREFIX}int`:
        return constructYamlInt(text);
      case `${TAG_PREFIX}float`:
        return constructYamlFloat(text);
      default:
        throw markedError('ConstructorError', this.info.markName, null, null, `could not determine a constructor for the tag '${node.tag}'`, node.mark);
    }
  }

  /** PyYAML's flatten_mapping: merge keys are removed and the merged pairs are prepended (in place). */
  private flatten(node: ComposedMap): void {
    if (this.flattened.has(node)) return;
    this.flattened.add(node);
    const merged: Array<[ComposedNode, ComposedNode]> = [];
    const own: Array<[ComposedNode, ComposedNode]> = [];
    for (const [key, value] of node.pairs) {
      if (key.kind === 'scalar' && key.tag === `${TAG_PREFIX}merge`) {
        if (value.kind === 'map') {
          this.flatten(value);
          merged.push(...value.pairs);
        } else if (value.kind === 'seq') {
          const groups: Array<Array<[ComposedNode, ComposedNode]>> = [];
          for (const sub of value.items) {
            if (sub.kind !== 'map') {
              throw markedError('ConstructorError', this.info.markName, 'while constructing a mapping', node.mark, `expected a mapping for merging, but found ${sub.kind === 'seq' ? 'sequence' : 'scalar'}`, sub.mark);
            }
            this.flatten(sub);
            groups.push(sub.pairs);
          }
          for (const group of groups.reverse()) merged.push(...group);
        } else {
          throw markedError('ConstructorError', this.info.markName, 'while constructing a mapping', node.mark, 'expected a mapping or list of mappings for merging, but found scalar', value.mark);
        }
      } else {
        if (key.kind === 'scalar' && key.tag === `${TAG_PREFIX}value`) key.tag = `${TAG_PREFIX}str`;
        own.push([key, value]);
      }
    }
    if (merged.length > 0) node.pairs = [...merged, ...own];
    else node.pairs = own;
  }

  private constructMapping(node: ComposedMap): Loaded {
    // OmegaConf's loader rejects duplicate string keys before PyYAML flattens merge keys.
    const seen = new Set<string>();
    for (const [key] of node.pairs) {
      if (key.kind !== 'scalar' || key.tag !== `${TAG_PREFIX}str`) continue;
      if (seen.has(key.value)) {
        throw markedError('ConstructorError', this.info.markName, 'while constructing a mapping', node.mark, `found duplicate key ${key.value}`, key.mark);
      }
      seen.add(key.value);
    }
    this.flatten(node);
    const entries = new Map<string, [DictKey, Loaded]>();
    for (const [keyNode, valueNode] of node.pairs) {
      const key = this.construct(keyNode);
      if (key.kind !== 'scalar') {
        throw markedError('ConstructorError', this.info.markName, 'while constructing a mapping', node.mark, 'found unhashable key', keyNode.mark);
      }
      if (key.value === null) {
        throw new PyError('KeyValidationError', "Incompatible key type 'NoneType'");
      }
      const value = this.construct(valueNode);
      const id = keyId(key.value);
      const previous = entries.get(id);
      entries.set(id, [previous ? previous[0] : key.value, value]);
    }
    return { kind: 'map', entries, line: node.mark.line + 1 };
  }
}

function pyIntBase(text: string, base: number): bigint {
  const digits = { 2: /^[+-]?[01]+$/, 8: /^[+-]?[0-7]+$/, 10: /^[+-]?[0-9]+$/, 16: /^[+-]?[0-9a-fA-F]+$/ }[base] as RegExp;
  const body = text.trim();
  if (!digits.test(body)) throw new PyError('ValueError', `invalid literal for int() with base ${base}: ${pyStrRepr(text)}`);
  const negative = body.startsWith('-');
  const unsigned = body.replace(/^[+-]/, '');
  const prefix = { 2: '0b', 8: '0o', 10: '', 16: '0x' }[base] as string;
  const value = BigInt(`${prefix}${unsigned}`);
  return negative ? -value : value;
}

/** PyYAML construct_yaml_int: `_` dropped, 0b/0x/0 (octal) prefixes, sexagesimal `a:b:c`. */
export function constructYamlInt(text: string): bigint {
  let value = text.replace(/_/g, '');
  let sign = 1n;
  if (value[0] === '-') sign = -1n;
  if (value[0] === '+' || value[0] === '-') value = value.slice(1);
  if (value === '0') return 0n;
  if (value.startsWith('0b')) return sign * pyIntBase(value.slice(2), 2);
  if (value.startsWith('0x')) return sign * pyIntBase(value.slice(2), 16);
  if (value[0] === '0') return sign * pyIntBase(value, 8);
  if (value.includes(':')) {
    let result = 0n;
    let base = 1n;
    for (const part of value.split(':').reverse()) {
      result += pyIntBase(part, 10) * base;
      base *= 60n;
    }
    return sign * result;
  }
  return sign * pyIntBase(value, 10);
}

/** PyYAML construct_yaml_float (Python float arithmetic order kept for sexagesimal values). */
export function constructYamlFloat(text: string): number {
  let value = text.replace(/_/g, '').toLowerCase();
  let sign = 1;
  if (value[0] === '-') sign = -1;
  if (value[0] === '+' || value[0] === '-') value = value.slice(1);
  if (value === '.inf') return sign * Infinity;
  if (value === '.nan') return NaN;
  const toFloat = (s: string): number => {
    const x = parsePyFloat(s);
    if (x === undefined) throw new PyError('ValueError', `could not convert string to float: ${pyStrRepr(s)}`);
    return x;
  };
  if (value.includes(':')) {
    let result = 0.0;
    let base = 1;
    for (const part of value.split(':').reverse()) {
      result += toFloat(part) * base;
      base *= 60;
    }
    return sign * result;
  }
  return sign * toFloat(value);
}

function toNode(loaded: Loaded, sourceFile: string | undefined, active: Set<Loaded>): ConfigNode {
  const source: Source | undefined = sourceFile === undefined ? undefined : { file: sourceFile, line: loaded.line };
  if (loaded.kind === 'scalar') return createValue(loaded.value, source);
  if (active.has(loaded)) throw new PyError('ValueError', 'recursive YAML structures are not supported');
  active.add(loaded);
  let node: ContainerNode;
  if (loaded.kind === 'seq') {
    node = createList(source);
    for (const item of loaded.items) listAppend(node, toNode(item, sourceFile, active));
  } else {
    node = createDict(source);
    for (const [key, value] of loaded.entries.values()) dictSet(node, key, toNode(value, sourceFile, active));
  }
  active.delete(loaded);
  return node;
}

/** Map a parse error of the `yaml` package to PyYAML's error class and mark format. */
function parseError(doc: Document.Parsed, info: YamlSourceInfo): PyError {
  const err = doc.errors[0];
  const problem = err.message.split(/ at line \d+, column \d+/)[0].split('\n')[0];
  const pos = err.linePos?.[0];
  const mark: Mark | null = pos ? { line: pos.line - 1, column: pos.col - 1 } : null;
  const scannerCodes = new Set(['TAB_AS_INDENT', 'BAD_SCALAR_START', 'BAD_DQ_ESCAPE', 'MISSING_CHAR', 'MULTIPLE_ANCHORS', 'MULTIPLE_TAGS', 'BAD_ALIAS']);
  return markedError(scannerCodes.has(err.code) ? 'ScannerError' : 'ParserError', info.markName, null, null, problem, mark);
}

function loadedRoot(text: string, info: YamlSourceInfo): Loaded | null {
  const { LineCounter: Lines, parseAllDocuments } = yamlLib();
  const lines = new Lines();
  const docs = parseAllDocuments(text, {
    version: '1.1',
    schema: 'failsafe',
    uniqueKeys: false,
    merge: false,
    lineCounter: lines,
  });
  if (!Array.isArray(docs)) throw new PyError('ParserError', 'expected a YAML document stream');
  for (const doc of docs) if (doc.errors.length > 0) throw parseError(doc, info);
  if (docs.length === 0) return null;
  if (docs.length > 1) {
    const first = lines.linePos(docs[0].range[0]);
    const second = lines.linePos(docs[1].range[0]);
    throw markedError(
      'ComposerError',
      info.markName,
      'expected a single document in the stream',
      { line: first.line - 1, column: first.col - 1 },
      'but found another document',
      { line: second.line - 1, column: second.col - 1 },
    );
  }
  const doc = docs[0];
  if (doc.contents === null) return null;
  const loader = new Loader(doc, lines, info);
  return loader.construct(loader.compose(doc.contents));
}

/**
 * Load YAML text into a config container (OmegaConf.load / OmegaConf.create(str) semantics): an empty
 * document is `{}`, a top-level string is parsed again and a bare word `x` becomes `{x: None}`.
 */
export function loadYaml(text: string, info: YamlSourceInfo): ContainerNode {
  const loaded = loadedRoot(text, info);
  if (loaded === null) return createDict();
  if (loaded.kind === 'scalar') {
    const value = loaded.value;
    if (typeof value !== 'string') {
      const typeName = typeof value === 'bigint' ? 'int' : typeof value === 'number' ? 'float' : 'bool';
      throw new PyError('OSError', `Invalid loaded object type: ${typeName}`);
    }
    return loadYamlString(value, info);
  }
  return toNode(loaded, info.sourceFile, new Set()) as ContainerNode;
}

/** OmegaConf.create(str): the string is YAML; a plain string result becomes a key with a null value. */
export function loadYamlString(text: string, info: YamlSourceInfo = { markName: '<unicode string>' }): ContainerNode {
  const loaded = loadedRoot(text, { ...info, markName: '<unicode string>' });
  if (loaded === null) return createDict();
  if (loaded.kind === 'scalar') {
    if (typeof loaded.value !== 'string') throw new PyError('AssertionError', '');
    const dict = createDict();
    const source: Source | undefined = info.sourceFile === undefined ? undefined : { file: info.sourceFile, line: loaded.line };
    dictSet(dict, loaded.value, createValue(null, source));
    return dict;
  }
  return toNode(loaded, info.sourceFile, new Set()) as ContainerNode;
}
