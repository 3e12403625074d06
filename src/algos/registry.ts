/**
 * Named registries of algorithm functions (advantage estimators, policy losses), like verl's
 * register_adv_est / register_policy_loss. Lookups are case-sensitive. Registering the same function twice
 * under one name is fine; a different function under a taken name throws.
 *
 * Why entries live on `globalThis`: user modules written in TypeScript are loaded through tsx's `tsImport`,
 * which gives the user module (and everything it imports, `verl-ts/algos` included) its own module
 * instances. A registry held in a module-level variable would then be a different object in the user's
 * module than in the trainer, and the user's registrations would be invisible. Keying the store by a
 * `Symbol.for` name makes every copy of this module share one store. Built-in entries are registered by every
 * copy; a built-in arriving under a name that already holds a built-in keeps the first (same code).
 *
 * "The same function" also covers a function with identical source text: `tsImport` evaluates a user module
 * afresh on every load (each load is its own module namespace), so loading a module twice produces new
 * function objects with the same code. The first registration is kept.
 */
import { ConfigError, UserError } from '../util/errors.js';
import { didYouMean } from '../util/suggest.js';

interface Entry<F> {
  fn: F;
  builtin: boolean;
}

const STORE_KEY = Symbol.for('verl-ts.algos.registries.v1');

type Store = Map<string, Map<string, Entry<unknown>>>;

function sharedStore(): Store {
  const g = globalThis as unknown as Record<symbol, Store | undefined>;
  let store = g[STORE_KEY];
  if (store === undefined) {
    store = new Map();
    g[STORE_KEY] = store;
  }
  return store;
}

function sameSource(a: unknown, b: unknown): boolean {
  return typeof a === 'function' && typeof b === 'function' && Function.prototype.toString.call(a) === Function.prototype.toString.call(b);
}

export interface RegistryOptions {
  /** Words for messages, e.g. "advantage estimator". */
  what: string;
  /** The config key that selects an entry, for messages, e.g. "algorithm.adv_estimator". */
  configKey: string;
  /**
   * Share entries across module copies (see file comment). Off for throw-away registries in tests.
   * The key names the shared table.
   */
  sharedKey?: string;
}

export class Registry<F extends (...args: never[]) => unknown> {
  private readonly entries: Map<string, Entry<F>>;

  constructor(private readonly options: RegistryOptions) {
    if (options.sharedKey === undefined) {
      this.entries = new Map();
    } else {
      const store = sharedStore();
      let table = store.get(options.sharedKey);
      if (table === undefined) {
        table = new Map();
        store.set(options.sharedKey, table);
      }
      this.entries = table as Map<string, Entry<F>>;
    }
  }

  /** Register `fn` under `name`; returns `fn` (so it can wrap a definition, like verl's decorator). */
  register(name: string, fn: F): F {
    return this.add(name, fn, false);
  }

  /** For verl-ts's own entries: a second copy of this package registering the same built-in is a no-op. */
  registerBuiltin(name: string, fn: F): F {
    return this.add(name, fn, true);
  }

  private add(name: string, fn: F, builtin: boolean): F {
    const { what } = this.options;
    if (typeof name !== 'string' || name.length === 0) {
      throw new UserError(`${what} names must be non-empty strings, got ${JSON.stringify(name)}`);
    }
    if (typeof fn !== 'function') {
      throw new UserError(`${what} '${name}' must be registered with a function, got ${typeof fn}`);
    }
    const existing = this.entries.get(name);
    if (existing !== undefined) {
      if (existing.fn === fn || (builtin && existing.builtin) || sameSource(existing.fn, fn)) return fn;
      throw new UserError(
        `${what} '${name}' is already registered with a different function; pick another name for yours ` +
          `(names taken: ${this.names().join(', ')})`,
      );
    }
    this.entries.set(name, { fn, builtin });
    return fn;
  }

  get(name: string): F {
    const entry = this.entries.get(name);
    if (entry === undefined) {
      const known = this.names();
      throw new ConfigError(
        `${this.options.configKey}: unknown ${this.options.what} '${name}'. Known: ${known.join(', ') || '(none)'}.` +
          didYouMean(name, known),
      );
    }
    return entry.fn;
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** Registered names, in registration order. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  get size(): number {
    return this.entries.size;
  }
}
