/**
 * Interpolation resolution with OmegaConf 2.2 semantics: node references (absolute, relative, bracketed,
 * nested), resolver calls, string concatenation with Python `str()`, escapes, MISSING propagation, and the
 * exact exception types and messages. Also OmegaConf.select, OmegaConf.resolve and to_container.
 */
import { PyError } from '../errors.js';
import type { Element, Interp, Text, TextPart } from '../interpolation/grammar.js';
import { parseConfigValue } from '../interpolation/grammar.js';
import { everyOther } from '../lexing.js';
import type { ConfigNode, ContainerNode, DictKey, RootContext, ValueNode } from '../node.js';
import { dictChildren, getChild, isInterpolation, MISSING, rootOf } from '../node.js';
import { parsePyFloat, parsePyInt } from '../python/float.js';
import type { PyValue } from '../python/value.js';
import { isContainerValue, PyDict, pyStr, pyTypeName } from '../python/value.js';
import { callResolver, hasResolver } from '../resolvers/registry.js';
import { selectOne, setItem, splitKey } from './access.js';
import { validateLeafValue } from './create.js';
import { formatAndRaise } from './format.js';

/** An interpolation result that is not a config node (OmegaConf's InterpolationResultNode). */
export interface ResultNode {
  kind: 'result';
  value: PyValue;
  parent: ContainerNode;
  key: DictKey | null;
}

/** What resolving yields: an existing/created config node, or a wrapped plain value. */
export type Resolution = ConfigNode | ResultNode;

type Memo = Set<Resolution>;

/** OmegaConf `_get_value`: the scalar of a leaf, the container itself, or a plain value as is. */
export function valueOf(x: Resolution | PyValue): PyValue {
  if (x !== null && typeof x === 'object' && !Array.isArray(x) && !(x instanceof PyDict)) {
    if (x.kind === 'value' || x.kind === 'result') return x.value;
  }
  return x as PyValue;
}

function isResolution(x: unknown): x is Resolution {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof PyDict) && 'kind' in x;
}

export function defaultRootContext(): RootContext {
  return { env: process.env, now: new Date(), cache: new Map(), warnings: [] };
}

/** The resolution context of a config (set by compose; a default one is attached on first use). */
export function rootContext(node: ConfigNode): RootContext {
  const root = rootOf(node);
  if (!root.context) root.context = defaultRootContext();
  return root.context;
}

function interpolationError(message: string): PyError {
  return new PyError('InterpolationResolutionError', message);
}

/** Container._resolve_key_and_root: a key without leading dot is absolute; each extra dot climbs a level. */
export function resolveKeyAndRoot(container: ContainerNode, key: string): [ContainerNode, string] {
  const orig = key;
  if (!key.startsWith('.')) return [rootOf(container), key];
  let root: ContainerNode = container;
  for (;;) {
    key = key.slice(1);
    if (!key.startsWith('.')) break;
    if (!root.parent) throw new PyError('ConfigKeyError', `Error resolving key '${orig}'`);
    root = root.parent;
  }
  return [root, key];
}

/** Container._select_impl: walk a dotted key, dereferencing interpolations on the way. */
export function selectImpl(
  container: ContainerNode,
  key: string,
  throwOnMissing: boolean,
  throwOnResolutionFailure: boolean,
  memo?: Memo,
): [ContainerNode | null, string | null, Resolution | null] {
  if (key === '') return [container, '', container];
  const split = splitKey(key);
  let root: ContainerNode | null = container;
  for (let i = 0; i < split.length - 1; i++) {
    if (root === null) break;
    const [child] = selectOne(root, split[i], throwOnMissing, throwOnResolutionFailure);
    const ret: Resolution | null = child === null ? null : dereference(child, throwOnResolutionFailure, memo);
    if (ret !== null && !(ret.kind === 'dict' || ret.kind === 'list')) {
      throw new PyError(
        'ConfigTypeError',
        `Error trying to access ${key}: node \`${split.slice(0, i + 1).join('.')}\` is not a container and thus cannot contain \`${split[i + 1]}\``,
      );
    }
    root = ret;
  }
  if (root === null) return [null, null, null];
  const lastKey = split[split.length - 1];
  const [value] = selectOne(root, lastKey, throwOnMissing, throwOnResolutionFailure);
  if (value === null) return [root, lastKey, null];
  if (memo) {
    if (memo.has(value)) throw interpolationError('Recursive interpolation detected');
    memo.add(value);
  }
  try {
    const resolved = maybeResolveInterpolation(root, lastKey, value, throwOnResolutionFailure, memo);
    return [root, lastKey, resolved];
  } finally {
    memo?.delete(value);
  }
}

function maybeResolveInterpolation(
  parent: ContainerNode,
  key: DictKey,
  value: ConfigNode,
  throwOnResolutionFailure: boolean,
  memo?: Memo,
): Resolution | null {
  if (!isInterpolation(value)) return value;
  return resolveFromParseTree(parent, value, key, parseConfigValue(value.value), throwOnResolutionFailure, memo ?? new Set());
}

/** Node._dereference_node_impl: the node itself, or what its interpolation resolves to (null on failure when allowed). */
export function dereference(node: ConfigNode, throwOnResolutionFailure: boolean, memo?: Memo): Resolution | null {
  if (!isInterpolation(node)) return node;
  const parent = node.parent;
  if (!parent) {
    if (throwOnResolutionFailure) throw interpolationError('Cannot resolve interpolation for a node without a parent');
    return null;
  }
  return resolveFromParseTree(parent, node, node.key, parseConfigValue(node.value), throwOnResolutionFailure, memo);
}

function resolveFromParseTree(
  parent: ContainerNode,
  node: ConfigNode,
  key: DictKey | null,
  tree: Text,
  throwOnResolutionFailure: boolean,
  memo: Memo | undefined,
): Resolution | null {
  let resolved: Resolution | PyValue;
  try {
    resolved = new Visitor(parent, node, key, memo).visitTopText(tree);
  } catch (err) {
    if (err instanceof PyError && err.isA('InterpolationResolutionError') && !throwOnResolutionFailure) return null;
    throw err;
  }
  if (isResolution(resolved)) return resolved;
  return { kind: 'result', value: resolved, parent, key };
}

/** Evaluates a parsed interpolation string against the config (OmegaConf's GrammarVisitor + callbacks). */
class Visitor {
  constructor(
    private readonly self: ContainerNode,
    private readonly node: ConfigNode,
    private readonly key: DictKey | null,
    private readonly memo: Memo | undefined,
  ) {}

  /** resolve_parse_tree: anything but an InterpolationResolutionError is wrapped into one. */
  visitTopText(text: Text): Resolution | PyValue {
    return this.wrapErrors(() => this.visitText(text));
  }

  visitTopElement(element: Element): Resolution | PyValue {
    return this.wrapErrors(() => this.visitElement(element));
  }

  private wrapErrors<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof PyError && err.isA('InterpolationResolutionError')) throw err;
      if (err instanceof PyError) throw interpolationError(`${err.pyType} raised while resolving interpolation: ${err.message}`);
      if (err instanceof Error) throw interpolationError(`${err.name} raised while resolving interpolation: ${err.message}`);
      throw err;
    }
  }

  private visitText(text: Text): Resolution | PyValue {
    if (text.parts.length === 1 && text.parts[0].kind === 'interp') return this.visitInterpolation(text.parts[0].interp);
    return this.unescape(text.parts);
  }

  private unescape(parts: TextPart[]): string {
    let out = '';
    parts.forEach((part, i) => {
      if (part.kind === 'interp') {
        out += pyStr(this.toStrArg(this.visitInterpolation(part.interp)));
        return;
      }
      const token = part.token;
      const next = parts[i + 1];
      const nextIsInterp = next !== undefined && next.kind === 'interp';
      if (token.type === 'ESC_INTER') out += token.text.slice(-(Math.floor(token.text.length / 2) + 1));
      else if (
        token.type === 'ESC' ||
        (token.type === 'TOP_ESC' && nextIsInterp) ||
        (token.type === 'QUOTED_ESC' && (next === undefined || nextIsInterp))
      ) {
        out += everyOther(token.text);
      } else out += token.text;
    });
    return out;
  }

  private toStrArg(x: Resolution | PyValue): PyValue | ConfigNode {
    if (isResolution(x) && x.kind === 'result') return x.value;
    return x as PyValue | ConfigNode;
  }

  private visitInterpolation(interp: Interp): Resolution | PyValue {
    if (interp.kind === 'node') {
      let key = '';
      for (const piece of interp.pieces) {
        if (piece.kind === 'punct') key += piece.text;
        else if (piece.key.kind === 'id') key += piece.key.text;
        else {
          const res = valueOf(this.visitInterpolation(piece.key.interp));
          if (typeof res !== 'string') {
            throw interpolationError(
              `The following interpolation is used to denote a config key and thus should return a string, but instead returned \`${pyStr(res)}\` of type \`<class '${pyTypeName(res)}'>\`: ${piece.key.interp.raw}`,
            );
          }
          key += res;
        }
      }
      return resolveNodeInterpolation(this.self, key, this.memo);
    }
    const nameParts: string[] = [];
    for (const part of interp.name) {
      if (part.kind === 'id') nameParts.push(part.text);
      else {
        const item = valueOf(this.visitInterpolation(part.interp));
        if (typeof item !== 'string') {
          throw interpolationError(
            `The name of a resolver must be a string, but the interpolation ${part.interp.raw} resolved to \`${pyStr(item)}\` which is of type <class '${pyTypeName(item)}'>`,
          );
        }
        nameParts.push(item);
      }
    }
    const args: PyValue[] = [];
    const argsText: string[] = [];
    for (const item of interp.args) {
      if (item === null) {
        args.push('');
        argsText.push('');
      } else {
        args.push(valueOf(this.visitElement(item)));
        argsText.push(item.raw);
      }
    }
    return this.callResolver(nameParts.join('.'), args, argsText);
  }

  private callResolver(name: string, args: PyValue[], argsText: string[]): Resolution | PyValue {
    if (!hasResolver(name)) throw new PyError('UnsupportedInterpolationType', `Unsupported interpolation type ${name}`);
    const root = rootOf(this.self);
    const result = callResolver(name, args, { root, parent: this.self, node: this.node, argsText, context: rootContext(root) });
    return result as Resolution | PyValue;
  }

  visitElement(element: Element): Resolution | PyValue {
    switch (element.kind) {
      case 'primitive':
        return this.createPrimitive(element.parts);
      case 'quoted':
        return element.text === null ? '' : pyStr(this.toStrArg(this.visitText(element.text)));
      case 'list':
        return element.items.map((item) => (item === null ? '' : valueOf(this.visitElement(item))));
      case 'dict': {
        const dict = new PyDict();
        for (const [keyEl, valueEl] of element.pairs) {
          const key = valueOf(this.createPrimitive(keyEl.parts));
          if (key === null || typeof key === 'object') throw new PyError('TypeError', `unhashable type: '${pyTypeName(key)}'`);
          dict.set(key, valueOf(this.visitElement(valueEl)));
        }
        return dict;
      }
    }
  }

  private createPrimitive(parts: TextPart[]): Resolution | PyValue {
    if (parts.length === 1) {
      const part = parts[0];
      if (part.kind === 'interp') return this.visitInterpolation(part.interp);
      const token = part.token;
      switch (token.type) {
        case 'ID':
        case 'UNQUOTED_CHAR':
        case 'COLON':
          return token.text;
        case 'NULL':
          return null;
        case 'INT':
          return parsePyInt(token.text) ?? token.text;
        case 'FLOAT':
          return parsePyFloat(token.text) ?? token.text;
        case 'BOOL':
          return token.text.toLowerCase() === 'true';
        case 'ESC':
          return everyOther(token.text);
        default:
          throw new PyError('AssertionError', 'WS should never be reached');
      }
    }
    return this.unescape(parts);
  }
}

/** Container._resolve_node_interpolation. */
function resolveNodeInterpolation(self: ContainerNode, interKey: string, memo: Memo | undefined): Resolution {
  let root: ContainerNode;
  let key: string;
  try {
    [root, key] = resolveKeyAndRoot(self, interKey);
  } catch (err) {
    if (err instanceof PyError && err.isA('ConfigKeyError')) {
      throw new PyError('InterpolationKeyError', `ConfigKeyError while resolving interpolation: ${err.message}`);
    }
    throw err;
  }
  let parent: ContainerNode | null;
  let value: Resolution | null;
  try {
    [parent, , value] = selectImpl(root, key, true, true, memo);
  } catch (err) {
    if (err instanceof PyError && err.isA('MissingMandatoryValue')) {
      throw new PyError('InterpolationToMissingValueError', `MissingMandatoryValue while resolving interpolation: ${err.message}`);
    }
    throw err;
  }
  if (parent === null || value === null) throw new PyError('InterpolationKeyError', `Interpolation key '${key}' not found`);
  for (let cur: ConfigNode | null = self; cur; cur = cur.parent) {
    if (cur === value) throw interpolationError('Interpolation to parent node detected');
  }
  return value;
}

/** Evaluate a single grammar element (oc.decode) in the context of `parent`/`node`. */
export function resolveElement(element: Element, parent: ContainerNode, node: ConfigNode): PyValue {
  return valueOf(new Visitor(parent, node, null, undefined).visitTopElement(element));
}

// ------------------------------------------------------------------ select

export const SELECT_NO_DEFAULT: unique symbol = Symbol('no default');

export interface SelectOptions {
  default?: PyValue | typeof SELECT_NO_DEFAULT;
  throwOnResolutionFailure?: boolean;
  throwOnMissing?: boolean;
  /** Keys without a leading dot are relative to `cfg` unless absolute (then from the root). */
  absoluteKey?: boolean;
}

/** _impl.select_node: null when absent or when the path crosses a non-container. */
export function selectNode(cfg: ContainerNode, key: string, options: SelectOptions = {}): Resolution | null {
  try {
    if (!options.absoluteKey && !key.startsWith('.')) key = `.${key}`;
    const [root, k] = resolveKeyAndRoot(cfg, key);
    const [, , node] = selectImpl(root, k, options.throwOnMissing ?? false, options.throwOnResolutionFailure ?? true);
    return node;
  } catch (err) {
    if (err instanceof PyError && err.isA('ConfigTypeError')) return null;
    throw err;
  }
}

/** _impl.select_value: the default (or null) when absent or `???`. */
export function selectValue(cfg: ContainerNode, key: string, options: SelectOptions = {}): PyValue {
  const node = selectNode(cfg, key, options);
  if (node === null || valueOf(node) === MISSING) {
    const d = options.default;
    return d === undefined || typeof d === 'symbol' ? null : d;
  }
  return valueOf(node);
}

/** OmegaConf.select(cfg, key): failures are decorated with the key. */
export function omegaSelect(cfg: ContainerNode, key: string, options: SelectOptions = {}): PyValue {
  try {
    return selectValue(cfg, key, options);
  } catch (err) {
    return formatAndRaise(cfg, key, err);
  }
}


// ------------------------------------------------------------------ resolve in place / to_container

/** OmegaConf.resolve: replace every interpolation by its value, in place; references to `???` become `???`. */
export function resolveInPlace(cfg: ConfigNode): void {
  if (cfg.kind === 'dict') {
    for (const [key] of dictChildren(cfg)) resolveContainerValue(cfg, key);
  } else if (cfg.kind === 'list') {
    for (let i = 0; i < cfg.items.length; i++) resolveContainerValue(cfg, i);
  }
}

function resolveContainerValue(cfg: ContainerNode, key: DictKey): void {
  const node = getChild(cfg, key);
  if (!node) return;
  if (!isInterpolation(node)) {
    resolveInPlace(node);
    return;
  }
  let resolved: Resolution;
  try {
    resolved = dereference(node, true) as Resolution;
  } catch (err) {
    if (err instanceof PyError && err.isA('InterpolationToMissingValueError')) {
      node.value = MISSING;
      return;
    }
    throw err;
  }
  if (resolved.kind === 'dict' || resolved.kind === 'list') {
    resolveInPlace(resolved);
    setItem(cfg, key, resolved, node.source);
    const replaced = getChild(cfg, key);
    if (replaced && node.source) replaced.source = node.source;
    return;
  }
  (node as ValueNode).value = validateLeafValue(valueOf(resolved));
}

/** OmegaConf.to_container: plain values (dicts as PyDict); with resolve, interpolations are evaluated. */
export function toContainer(cfg: ContainerNode, resolve: boolean): PyValue {
  const convert = (key: DictKey): PyValue => {
    const child = getChild(cfg, key) as ConfigNode;
    let node: Resolution = child;
    if (resolve) {
      try {
        node = dereference(child, true) as Resolution;
      } catch (err) {
        if (err instanceof PyError && err.isA('InterpolationResolutionError')) formatAndRaise(cfg, key, err);
        throw err;
      }
    }
    if (node.kind === 'dict' || node.kind === 'list') return toContainer(node, resolve);
    return plainValue(valueOf(node), resolve);
  };
  if (cfg.kind === 'list') return cfg.items.map((_, i) => convert(i));
  const dict = new PyDict();
  for (const [key] of dictChildren(cfg)) dict.set(key, convert(key));
  return dict;
}

/** A resolver's plain result may itself hold config containers; convert them for dumping. */
function plainValue(value: PyValue, resolve: boolean): PyValue {
  if (isContainerValue(value)) return toContainer(value, resolve);
  if (Array.isArray(value)) return value.map((item) => plainValue(item, resolve));
  if (value instanceof PyDict) {
    const dict = new PyDict();
    for (const [k, v] of value.entries) dict.set(k, plainValue(v, resolve));
    return dict;
  }
  return value;
}
