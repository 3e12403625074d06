/**
 * Named registries of algorithm functions (advantage estimators, policy losses), like verl's
 * register_adv_est / register_policy_loss. Lookups are case-sensitive. Each entry may carry a declaration
 * (what the function needs from the training loop), which the start-up checks and the loop read instead of
 * testing names. Registering the same function twice under one name is fine; a different function under a
 * taken name throws unless the caller passes `override: true` (closures over different values have the same
 * source text, so source text is no evidence of sameness).
 *
 * Why entries live on `globalThis`: the package can be present as two module copies in one process (the
 * built `dist/` and a user module importing `verl-ts/algos`, or src and dist under a test runner). A registry
 * held in a module-level variable would then be a different object in the user's module than in the trainer,
 * and the user's registrations would be invisible. Keying the store by a `Symbol.for` name makes every copy of
 * this module share one store. Built-in entries are registered by every copy; a built-in arriving under a name
 * that already holds a built-in keeps the first (same code).
 */
import { ConfigError, UserError } from '../util/errors.js';
import { didYouMean } from '../util/suggest.js';

interface Entry<F, M> {
  fn: F;
  meta: M;
  builtin: boolean;
}

export interface RegisterOptions<M> {
  /** What the entry needs from the loop (see the registry's declaration type). */
  needs?: Partial<M>;
  /** Replace an entry registered under the same name with a different function. */
  override?: boolean;
}

const STORE_KEY = Symbol.for('verl-ts.algos.registries.v1');

type Store = Map<string, Map<string, Entry<unknown, unknown>>>;

function sharedStore(): Store {
  const g = globalThis as unknown as Record<symbol, Store | undefined>;
  let store = g[STORE_KEY];
  if (store === undefined) {
    store = new Map();
    g[STORE_KEY] = store;
  }
  return store;
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

/** A registry whose entries declare nothing. */
type NoNeeds = Record<string, never>;

export class Registry<F extends (...args: never[]) => unknown, M extends object = NoNeeds> {
  private readonly entries: Map<string, Entry<F, M>>;

  /** @param defaults what an entry that declares nothing needs (every declaration field, filled in). */
  constructor(
    private readonly options: RegistryOptions,
    private readonly defaults: M = {} as M,
  ) {
    if (options.sharedKey === undefined) {
      this.entries = new Map();
    } else {
      const store = sharedStore();
      let table = store.get(options.sharedKey);
      if (table === undefined) {
        table = new Map();
        store.set(options.sharedKey, table);
      }
      this.entries = table as Map<string, Entry<F, M>>;
    }
  }

  /** Register `fn` under `name`; returns `fn` (so it can wrap a definition, like verl's decorator). */
  register(name: string, fn: F, options: RegisterOptions<M> = {}): F {
    return this.add(name, fn, false, options);
  }

  /** For verl-ts's own entries: a second copy of this package registering the same built-in is a no-op. */
  registerBuiltin(name: string, fn: F, needs: Partial<M> = {}): F {
    return this.add(name, fn, true, { needs });
  }

  private add(name: string, fn: F, builtin: boolean, options: RegisterOptions<M>): F {
    const { what } = this.options;
    if (typeof name !== 'string' || name.length === 0) {
      throw new UserError(`${what} names must be non-empty strings, got ${JSON.stringify(name)}`);
    }
    if (typeof fn !== 'function') {
      throw new UserError(`${what} '${name}' must be registered with a function, got ${typeof fn}`);
    }
    const existing = this.entries.get(name);
    if (existing !== undefined) {
      if ((existing.fn === fn && options.needs === undefined) || (builtin && existing.builtin)) return fn;
      if (existing.fn !== fn && options.override !== true) {
        throw new UserError(
          `${what} '${name}' is already registered with a different function; pick another name for yours ` +
            `or pass { override: true } to replace it (names taken: ${this.names().join(', ')})`,
        );
      }
    }
    const meta = this.declaration(name, options.needs ?? {});
    this.entries.set(name, { fn, meta, builtin });
    return fn;
  }

  /** The declaration filled in with the defaults; unknown fields are refused (a typo would silently do nothing). */
  private declaration(name: string, needs: Partial<M>): M {
    if (needs === null || typeof needs !== 'object') {
      throw new UserError(`${this.options.what} '${name}': needs must be an object, got ${JSON.stringify(needs)}`);
    }
    const known = Object.keys(this.defaults);
    for (const [key, value] of Object.entries(needs)) {
      if (!known.includes(key)) {
        throw new UserError(
          `${this.options.what} '${name}': unknown need '${key}'. Known: ${known.join(', ') || '(none)'}.` + didYouMean(key, known),
        );
      }
      const expected = typeof (this.defaults as Record<string, unknown>)[key];
      if (typeof value !== expected) {
        throw new UserError(`${this.options.what} '${name}': need '${key}' must be a ${expected}, got ${JSON.stringify(value)}`);
      }
    }
    return Object.freeze({ ...this.defaults, ...needs });
  }

  /** What the named entry declared it needs (defaults filled in); unknown names throw like get(). */
  needs(name: string): M {
    this.get(name);
    // An entry made by an older copy of this module (see file comment) may carry no declaration.
    return (this.entries.get(name) as Entry<F, M>).meta ?? this.defaults;
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
