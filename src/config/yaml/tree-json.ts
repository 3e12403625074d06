/**
 * A config tree as loaded from one YAML file, written as plain JSON and read back node for node: Python
 * types kept apart (int as bigint, -0.0, nan, inf), non-string keys, key order and every node's source line.
 * The persistent parse store (hydra/parse-store.ts) keeps files' parse results in this form.
 *
 * Layout, chosen to be small and quick for JSON.parse: a value is `[line, scalar]`, a dict
 * `{l: line, d: [key, child, key, child, ...]}`, a list `{l: line, s: [child, ...]}`; line 0 means no source.
 * A scalar JSON cannot hold exactly is `{i: "digits"}` (int) or `{f: "nan" | "inf" | "-inf" | "-0"}` (float).
 */
import type { ConfigNode, ContainerNode, DictKey, Scalar } from '../node.js';
import { createDict, createList, createValue, dictSet, listAppend } from '../node.js';

type JsonScalar = string | number | boolean | null | { i: string } | { f: string };
type JsonNode = [number, JsonScalar] | { l: number; d: unknown[] } | { l: number; s: unknown[] };

/** Thrown by {@link treeFromJson} on anything it did not write; the store treats it as a miss. */
export class TreeJsonError extends Error {}

const SPECIAL_FLOATS: Record<string, number> = { nan: NaN, inf: Infinity, '-inf': -Infinity, '-0': -0 };

function scalarToJson(value: Scalar): JsonScalar {
  if (typeof value === 'bigint') return { i: value.toString() };
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return { f: 'nan' };
    if (value === Infinity) return { f: 'inf' };
    if (value === -Infinity) return { f: '-inf' };
    if (Object.is(value, -0)) return { f: '-0' };
  }
  return value;
}

function scalarFromJson(json: unknown): Scalar {
  if (json === null || typeof json === 'string' || typeof json === 'boolean' || typeof json === 'number') return json;
  if (typeof json === 'object' && !Array.isArray(json)) {
    const tagged = json as Record<string, unknown>;
    if (typeof tagged.i === 'string' && /^-?\d+$/.test(tagged.i)) return BigInt(tagged.i);
    if (typeof tagged.f === 'string' && Object.hasOwn(SPECIAL_FLOATS, tagged.f)) return SPECIAL_FLOATS[tagged.f];
  }
  throw new TreeJsonError('bad scalar');
}

/**
 * The JSON form of a freshly loaded tree whose sources all name `sourceFile` (or are absent), or undefined when
 * the tree holds anything else (flags, a root context, another provenance): those are never stored.
 */
export function treeToJson(node: ContainerNode, sourceFile: string): JsonNode | undefined {
  try {
    return nodeToJson(node, sourceFile);
  } catch (err) {
    if (err instanceof TreeJsonError) return undefined;
    throw err;
  }
}

function lineOf(node: ConfigNode, sourceFile: string): number {
  const source = node.source;
  if (source === undefined) return 0;
  if (!('file' in source) || source.file !== sourceFile || !(source.line > 0)) throw new TreeJsonError('other source');
  return source.line;
}

function nodeToJson(node: ConfigNode, sourceFile: string): JsonNode {
  const line = lineOf(node, sourceFile);
  if (node.kind === 'value') return [line, scalarToJson(node.value)];
  if (Object.keys(node.flags).length > 0 || node.context !== undefined) throw new TreeJsonError('container state');
  if (node.kind === 'list') return { l: line, s: node.items.map((item) => nodeToJson(item, sourceFile)) };
  const pairs: unknown[] = [];
  for (const child of node.entries.values()) pairs.push(scalarToJson(child.key as DictKey), nodeToJson(child, sourceFile));
  return { l: line, d: pairs };
}

/** Rebuild the tree {@link treeToJson} wrote, sources naming `sourceFile`; throws TreeJsonError on other input. */
export function treeFromJson(json: unknown, sourceFile: string): ContainerNode {
  const node = nodeFromJson(json, sourceFile);
  if (node.kind === 'value') throw new TreeJsonError('not a container');
  return node;
}

function sourceAt(line: unknown, sourceFile: string): { file: string; line: number } | undefined {
  if (typeof line !== 'number' || !Number.isInteger(line) || line < 0) throw new TreeJsonError('bad line');
  return line === 0 ? undefined : { file: sourceFile, line };
}

function nodeFromJson(json: unknown, sourceFile: string): ConfigNode {
  if (Array.isArray(json)) {
    if (json.length !== 2) throw new TreeJsonError('bad value');
    return createValue(scalarFromJson(json[1]), sourceAt(json[0], sourceFile));
  }
  if (typeof json !== 'object' || json === null) throw new TreeJsonError('bad node');
  const container = json as { l?: unknown; d?: unknown; s?: unknown };
  const source = sourceAt(container.l, sourceFile);
  if (Array.isArray(container.s)) {
    const list = createList(source);
    for (const item of container.s) listAppend(list, nodeFromJson(item, sourceFile));
    return list;
  }
  if (!Array.isArray(container.d) || container.d.length % 2 !== 0) throw new TreeJsonError('bad container');
  const dict = createDict(source);
  for (let i = 0; i < container.d.length; i += 2) {
    const key = scalarFromJson(container.d[i]);
    if (key === null) throw new TreeJsonError('null key');
    dictSet(dict, key, nodeFromJson(container.d[i + 1], sourceFile));
  }
  return dict;
}
