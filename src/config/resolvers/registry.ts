/**
 * The resolver registry behind `${name:args}` interpolations (OmegaConf.register_new_resolver). Built-in
 * resolvers register themselves here; applications may add their own.
 */
import type { ConfigNode, ContainerNode, RootContext } from '../node.js';
import type { PyValue } from '../python/value.js';

export interface ResolverContext {
  /** Root of the config being resolved. */
  root: ContainerNode;
  /** The container holding the node being resolved (relative keys start here). */
  parent: ContainerNode;
  /** The node whose interpolation is being resolved. */
  node: ConfigNode;
  /** Each argument's source text, e.g. `'a,b'` for a quoted argument. */
  argsText: string[];
  /** Environment, clock, Hydra node and warning sink of this config. */
  context: RootContext;
}

/**
 * A resolver receives its arguments already resolved (strings, bigint ints, number floats, booleans, null,
 * arrays, PyDict, or config containers) and returns a value of the same kinds, or a config node.
 */
export type ResolverResult = PyValue | ConfigNode;
export type ResolverFn = (args: PyValue[], ctx: ResolverContext) => ResolverResult;

export interface ResolverOptions {
  /** Replace an existing resolver of the same name instead of failing. */
  replace?: boolean;
  /** Cache results per config root, keyed by the arguments' source text (like OmegaConf's use_cache). */
  useCache?: boolean;
}

interface RegisteredResolver {
  fn: ResolverFn;
  useCache: boolean;
}

const registry = new Map<string, RegisteredResolver>();

export function registerResolver(name: string, fn: ResolverFn, options: ResolverOptions = {}): void {
  if (!name) throw new Error('cannot use an empty resolver name');
  if (!options.replace && registry.has(name)) throw new Error(`resolver '${name}' is already registered`);
  registry.set(name, { fn, useCache: options.useCache === true });
}

export function hasResolver(name: string): boolean {
  return registry.has(name);
}

export function clearResolver(name: string): boolean {
  return registry.delete(name);
}

/** Call a registered resolver (through the per-root cache when enabled); undefined when unknown. */
export function callResolver(name: string, args: PyValue[], ctx: ResolverContext): ResolverResult | undefined {
  const entry = registry.get(name);
  if (!entry) return undefined;
  if (!entry.useCache) return entry.fn(args, ctx);
  let cache = ctx.context.cache.get(name);
  if (!cache) {
    cache = new Map();
    ctx.context.cache.set(name, cache);
  }
  const cacheKey = JSON.stringify(ctx.argsText);
  if (cache.has(cacheKey)) return cache.get(cacheKey) as ResolverResult;
  const result = entry.fn(args, ctx);
  cache.set(cacheKey, result);
  return result;
}
