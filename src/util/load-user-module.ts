/**
 * Load a user's own module (custom reward functions, advantage estimators, policy losses) from a path in the
 * config. `.js`/`.mjs`/`.cjs` load natively; `.ts`/`.mts`/`.cts` load through tsx, so users need no build step.
 */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, resolve, extname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UserError, errorMessage } from './errors.js';
import { didYouMean } from './suggest.js';

const TS_EXTENSIONS = new Set(['.ts', '.mts', '.cts']);
const JS_EXTENSIONS = new Set(['.js', '.mjs', '.cjs']);

export type UserModule = Record<string, unknown>;

let tsLoader: Promise<void> | undefined;

/**
 * Register tsx's loader hooks once for the whole process. A process-wide loader (rather than tsx's isolated
 * tsImport) keeps one module graph: a user module importing verl-ts gets the same registries the trainer
 * uses, and loading a module twice evaluates it once. Both hooks are needed: a `.ts` file outside any package
 * with "type": "module" (a user's own folder) is CommonJS to Node, and only tsx's require hook compiles it.
 */
function ensureTypeScriptLoader(): Promise<void> {
  tsLoader ??= Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')]).then(([esm, cjs]) => {
    cjs.register();
    esm.register();
  });
  return tsLoader;
}

/**
 * The exports of a loaded module. A CommonJS-format `.ts` module reaches `import()` as a namespace whose named
 * exports may be only under `default` (its module.exports); they are lifted to the top, as ESM gives them.
 */
function exportsOf(ns: UserModule): UserModule {
  const def = ns.default;
  if (def === null || typeof def !== 'object') return ns;
  const named = Object.keys(ns).filter((k) => k !== 'default' && k !== 'module.exports');
  return named.length > 0 ? ns : { ...(def as UserModule), ...ns };
}

/**
 * Resolve `path` against `cwd` (a `file://` URL is accepted) and import it.
 * @param what  words for error messages, e.g. "custom_reward_function.path".
 */
export async function loadUserModule(path: string, options: { cwd?: string; what?: string } = {}): Promise<UserModule> {
  const what = options.what ?? 'module';
  const raw = path.startsWith('file://') ? new URL(path).pathname : path;
  const abs = isAbsolute(raw) ? raw : resolve(options.cwd ?? process.cwd(), raw);
  if (!existsSync(abs) || !statSync(abs).isFile()) {
    throw new UserError(`${what}: file not found: '${path}' (looked at ${abs})`);
  }
  const ext = extname(abs);
  if (!TS_EXTENSIONS.has(ext) && !JS_EXTENSIONS.has(ext)) {
    throw new UserError(`${what}: '${path}' must be a .js, .mjs, .cjs, .ts, .mts or .cts file (got '${ext || 'no extension'}')`);
  }
  try {
    if (TS_EXTENSIONS.has(ext)) await ensureTypeScriptLoader();
    return exportsOf((await import(pathToFileURL(abs).href)) as UserModule);
  } catch (err) {
    throw new UserError(`${what}: could not load '${path}': ${errorMessage(err)}`, { cause: err });
  }
}

/** The named export of a user module, as a function; errors list the exports that do exist. */
export function userFunction<F extends (...args: never[]) => unknown>(
  mod: UserModule,
  name: string,
  options: { path: string; what?: string },
): F {
  const what = options.what ?? 'module';
  const value = mod[name];
  if (value === undefined) {
    const names = Object.keys(mod).filter((k) => k !== 'default' || typeof mod.default === 'function');
    throw new UserError(
      `${what}: '${options.path}' has no export named '${name}'. Exports: ${names.length ? names.join(', ') : '(none)'}.` +
        didYouMean(name, names),
    );
  }
  if (typeof value !== 'function') {
    throw new UserError(`${what}: export '${name}' of '${options.path}' is a ${typeof value}, expected a function`);
  }
  return value as F;
}
