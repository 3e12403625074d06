/**
 * The resolvers OmegaConf 2.2 and Hydra 1.3 register: oc.env, oc.select, oc.decode, oc.create,
 * oc.deprecated, oc.dict.keys, oc.dict.values, now, hydra, python_version. Argument errors read like the
 * Python TypeErrors the originals raise.
 */
import { PyError } from '../errors.js';
import { parseSingleElement } from '../interpolation/grammar.js';
import type { ConfigNode, ContainerNode, DictNode } from '../node.js';
import { createList, createValue, dictGet, dictKeys, listAppend } from '../node.js';
import { nodeFromPy } from '../omega/create.js';
import { fullKeyOfNode, keyStr } from '../omega/format.js';
import { omegaSelect, resolveElement, SELECT_NO_DEFAULT, selectNode, selectValue } from '../omega/resolve.js';
import type { PyValue } from '../python/value.js';
import { isContainerValue, PyDict, pyStr, pyStrRepr, pyTypeName } from '../python/value.js';
import { loadYamlString } from '../yaml/load.js';
import type { ResolverContext, ResolverFn } from './registry.js';
import { registerResolver } from './registry.js';
import { strftime } from './strftime.js';

/** The Python version `${python_version:...}` reports: the reference build's interpreter (Debian 12). */
export const EMULATED_PYTHON_VERSION = { major: '3', minor: '3.11', micro: '3.11.2' } as const;

function quoteNames(names: string[]): string {
  const quoted = names.map((n) => `'${n}'`);
  if (quoted.length === 1) return quoted[0];
  if (quoted.length === 2) return `${quoted[0]} and ${quoted[1]}`;
  return `${quoted.slice(0, -1).join(', ')}, and ${quoted[quoted.length - 1]}`;
}

/** Check positional arity like a Python call would, with Python's TypeError text. */
function checkArity(fnName: string, params: string[], required: number, args: PyValue[]): void {
  if (args.length < required) {
    const missing = params.slice(args.length, required);
    const plural = missing.length === 1 ? 'argument' : 'arguments';
    throw new PyError('TypeError', `${fnName}() missing ${missing.length} required positional ${plural}: ${quoteNames(missing)}`);
  }
  if (args.length > params.length) {
    const takes =
      required === params.length
        ? `${params.length} positional argument${params.length === 1 ? '' : 's'}`
        : `from ${required} to ${params.length} positional arguments`;
    const given = `${args.length} ${args.length === 1 ? 'was' : 'were'} given`;
    throw new PyError('TypeError', `${fnName}() takes ${takes} but ${given}`);
  }
}

const ocEnv: ResolverFn = (args, ctx) => {
  checkArity('env', ['key', 'default'], 1, args);
  const [key] = args;
  if (typeof key !== 'string') throw new PyError('TypeError', `str expected, not ${pyTypeName(key)}`);
  const value = ctx.context.env[key];
  if (value !== undefined) return value;
  if (args.length > 1) return args[1] === null ? null : pyStr(args[1]);
  throw new PyError('KeyError', pyStrRepr(`Environment variable '${key}' not found`));
};

const ocSelect: ResolverFn = (args, ctx) => {
  checkArity('select', ['key', 'default'], 1, args);
  const key = args[0];
  if (typeof key !== 'string') throw new PyError('AttributeError', `'${pyTypeName(key)}' object has no attribute 'startswith'`);
  return selectValue(ctx.parent, key, { absoluteKey: true, default: args.length > 1 ? args[1] : SELECT_NO_DEFAULT });
};

const ocDecode: ResolverFn = (args, ctx) => {
  checkArity('decode', ['expr'], 1, args);
  const expr = args[0];
  if (expr === null) return null;
  if (typeof expr !== 'string') {
    throw new PyError('TypeError', `\`oc.decode\` can only take strings or None as input, but \`${pyStr(expr)}\` is of type ${pyTypeName(expr)}`);
  }
  return resolveElement(parseSingleElement(expr), ctx.parent, ctx.node);
};

/** OmegaConf.create(obj, parent=...): the new container hangs below `parent` without being one of its keys. */
function createAttached(obj: PyValue, parent: ContainerNode): ConfigNode | null {
  let node: ConfigNode;
  if (obj === null) return null;
  if (typeof obj === 'string') node = loadYamlString(obj);
  else if (Array.isArray(obj) || obj instanceof PyDict || isContainerValue(obj)) node = nodeFromPy(obj);
  else throw new PyError('ValidationError', `Object of unsupported type: '${pyTypeName(obj)}'`);
  node.parent = parent;
  node.key = null;
  return node;
}

const ocCreate: ResolverFn = (args, ctx) => {
  checkArity('create', ['obj'], 1, args);
  return createAttached(args[0], ctx.parent);
};

const ocDeprecated: ResolverFn = (args, ctx) => {
  checkArity('deprecated', ['key', 'message'], 1, args);
  const [key] = args;
  const message = args.length > 1 ? args[1] : "'$OLD_KEY' is deprecated. Change your code and config to use '$NEW_KEY'";
  if (typeof key !== 'string') throw new PyError('TypeError', `oc.deprecated: interpolation key type is not a string (${pyTypeName(key)})`);
  if (typeof message !== 'string') throw new PyError('TypeError', `oc.deprecated: interpolation message type is not a string (${pyTypeName(message)})`);
  const fullKey = fullKeyOfNode(ctx.node);
  const target = selectNode(ctx.parent, key, { absoluteKey: true });
  if (target === null) throw new PyError('ConfigKeyError', `In oc.deprecated resolver at '${fullKey}': Key not found: '${key}'`);
  const newKey = target.kind === 'result' ? key : fullKeyOfNode(target);
  ctx.context.warnings.push(message.replace(/\$OLD_KEY|\$\{OLD_KEY\}/g, fullKey).replace(/\$NEW_KEY|\$\{NEW_KEY\}/g, newKey));
  return target.kind === 'result' ? target.value : target;
};

function dictInput(resolverName: string, key: PyValue, parent: ContainerNode): DictNode {
  if (typeof key !== 'string') {
    throw new PyError('TypeError', `\`${resolverName}\` requires a string as input, but obtained \`${pyStr(key)}\` of type: ${pyTypeName(key)}`);
  }
  const marker = new PyDict();
  const value = selectValue(parent, key, { throwOnMissing: true, absoluteKey: true, default: marker });
  if (value === marker) throw new PyError('ConfigKeyError', `Key not found: '${key}'`);
  if (!isContainerValue(value) || value.kind !== 'dict') {
    throw new PyError('TypeError', `\`${resolverName}\` cannot be applied to objects of type: ${pyTypeName(value)}`);
  }
  return value;
}

const ocDictKeys: ResolverFn = (args, ctx) => {
  checkArity('keys', ['key'], 1, args);
  const dict = dictInput('oc.dict.keys', args[0], ctx.parent);
  const list = createList();
  for (const key of dictKeys(dict)) listAppend(list, createValue(key, dictGet(dict, key)?.source));
  list.parent = ctx.parent;
  return list;
};

const ocDictValues: ResolverFn = (args, ctx) => {
  checkArity('values', ['key'], 1, args);
  let key = args[0];
  const dict = dictInput('oc.dict.values', key, ctx.parent);
  key = key as string;
  // The values are interpolations into the dict, one level deeper than the caller (hence the extra dot).
  if (key.startsWith('.')) key = `.${key}`;
  const list = createList();
  for (const k of dictKeys(dict)) listAppend(list, createValue(`\${${key}.${keyStr(k)}}`, dictGet(dict, k)?.source));
  list.parent = ctx.parent;
  return list;
};

const now: ResolverFn = (args, ctx) => {
  checkArity('<lambda>', ['pattern'], 1, args);
  const pattern = args[0];
  if (typeof pattern !== 'string') throw new PyError('TypeError', `descriptor 'strftime' requires a 'datetime.date' object but received a '${pyTypeName(pattern)}'`);
  return strftime(ctx.context.now, pattern);
};

const hydra: ResolverFn = (args, ctx: ResolverContext) => {
  checkArity('<lambda>', ['path'], 1, args);
  const hydraRoot = ctx.context.hydraRoot;
  const hydraNode = hydraRoot ? dictGet(hydraRoot, 'hydra') : undefined;
  if (!hydraNode || hydraNode.kind === 'value') throw new PyError('ValueError', 'HydraConfig was not set');
  const path = args[0];
  if (typeof path !== 'string') throw new PyError('AttributeError', `'${pyTypeName(path)}' object has no attribute 'startswith'`);
  return omegaSelect(hydraNode, path);
};

const pythonVersion: ResolverFn = (args) => {
  checkArity('<lambda>', ['level'], 0, args);
  const level = args.length > 0 ? args[0] : 'minor';
  const versions: Record<string, string> = EMULATED_PYTHON_VERSION;
  return typeof level === 'string' && level in versions ? versions[level] : null;
};

let registered = false;

/** Register the built-in resolvers (idempotent). */
export function registerBuiltinResolvers(): void {
  if (registered) return;
  registered = true;
  registerResolver('oc.env', ocEnv);
  registerResolver('oc.select', ocSelect);
  registerResolver('oc.decode', ocDecode);
  registerResolver('oc.create', ocCreate);
  registerResolver('oc.deprecated', ocDeprecated);
  registerResolver('oc.dict.keys', ocDictKeys);
  registerResolver('oc.dict.values', ocDictValues);
  registerResolver('now', now, { useCache: true });
  registerResolver('hydra', hydra);
  registerResolver('python_version', pythonVersion);
}

registerBuiltinResolvers();

