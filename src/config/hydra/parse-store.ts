/**
 * Parsed config files kept on disk between runs, so that a CLI start reads JSON instead of lexing and
 * parsing YAML (a third of `print-config`'s cold start on verl's tree). One entry per config file, named by
 * a hash of its real path and holding the file's identity: real path, device, inode, size, mtime and ctime
 * in nanoseconds, and the verl-ts build that parsed it (Hydra's built-in configs are kept too, by name and
 * build). Any difference is a miss and the file is parsed as before. The store is a pure speed-up: a
 * missing, unreadable, unwritable or corrupt store never changes what a command prints or whether it fails.
 */
import type { BigIntStats } from 'node:fs';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomicSync } from '../../util/atomic-write.js';
import { packageRoot } from '../../util/package-root.js';
import type { ContainerNode } from '../node.js';
import { treeFromJson, treeToJson } from '../yaml/tree-json.js';

/** Bumped when the entry layout or what goes into it changes. */
const STORE_FORMAT = 1;
/** Entries kept at most; past this the oldest are removed (checked once per process, on its first write). */
export const PARSE_STORE_MAX_ENTRIES = 1000;
/**
 * A file changed again within its timestamp granularity (coarse on some file systems: 2 s on FAT) could
 * keep its mtime and size; so a file is stored only once its mtime is this far behind the clock.
 */
export const PARSE_STORE_SETTLE_MS = 2000;

/** What composition needs from a parsed config file. */
export interface StoredParse {
  /** The file's content as loaded (before its defaults list is taken out). */
  config: ContainerNode;
  /** The `# @package` header value, or null. */
  packageHeader: string | null;
}

/** One version of a config file, as the store names and checks it. */
export interface StoredFile {
  /** The entry's name: a file's real path, or a `pkg://` name for configs built into verl-ts. */
  name: string;
  /** What tells this version from any other; the build that parsed it is added by the store. */
  version: string;
  /** A file's mtime in ms, to hold back files written this instant; absent for built-in configs. */
  mtimeMs?: number;
}

/** A config file on disk, known by its real path and stat (nanosecond times: `statSync(p, {bigint: true})`). */
export function fileOnDisk(realPath: string, stat: BigIntStats): StoredFile {
  return {
    name: realPath,
    version: [stat.dev, stat.ino, stat.size, stat.mtimeNs, stat.ctimeNs].join(':'),
    mtimeMs: Number(stat.mtimeMs),
  };
}

/** A config built into verl-ts (Hydra's own): its build is its version. */
export function builtinFile(name: string): StoredFile {
  return { name, version: 'builtin' };
}

/**
 * The store folder for an environment: `$XDG_CACHE_HOME/verl-ts/config-parse`, else under `$HOME/.cache`;
 * none when `VERL_TS_CONFIG_CACHE=0` or neither variable is set.
 */
export function parseStoreDir(env: Record<string, string | undefined>): string | undefined {
  if (env.VERL_TS_CONFIG_CACHE === '0') return undefined;
  const xdg = env.XDG_CACHE_HOME;
  const base = xdg !== undefined && path.isAbsolute(xdg) ? xdg : env.HOME ? path.join(env.HOME, '.cache') : undefined;
  return base === undefined ? undefined : path.join(base, 'verl-ts', 'config-parse');
}

let buildId: string | null | undefined;

/** The running verl-ts build: package version plus this module file's size and mtime; null if unknown. */
function currentBuild(): string | null {
  if (buildId === undefined) {
    try {
      const { version } = JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
      const self = statSync(fileURLToPath(import.meta.url), { bigint: true });
      buildId = `${version}\0${self.size}\0${self.mtimeNs}`;
    } catch {
      buildId = null;
    }
  }
  return buildId;
}

/**
 * The entry file name for a config file: 64 bits of FNV-1a over its name's UTF-16 units (two 32-bit lanes
 * with different offsets). A collision only costs a miss, since every entry holds the full identity; plain JS
 * keeps node:crypto (a few ms to load) off the start-up path.
 */
function entryName(name: string): string {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < name.length; i++) {
    const unit = name.charCodeAt(i);
    a = Math.imul(a ^ unit, 0x01000193);
    b = Math.imul(b ^ (unit + i), 0x01000193);
  }
  return `${(a >>> 0).toString(16).padStart(8, '0')}${(b >>> 0).toString(16).padStart(8, '0')}.json`;
}

const prunedDirs = new Set<string>();

export class ParseStore {
  constructor(readonly dir: string) {}

  private entryPath(file: StoredFile): string {
    return path.join(this.dir, entryName(file.name));
  }

  private identity(file: StoredFile): string | null {
    const build = currentBuild();
    if (build === null) return null;
    return [STORE_FORMAT, build, file.name, file.version].join('\0');
  }

  /** The stored parse of this exact file version, with sources naming `sourceFile`; undefined on a miss. */
  get(file: StoredFile, sourceFile: string): StoredParse | undefined {
    const identity = this.identity(file);
    if (identity === null) return undefined;
    try {
      const entry = JSON.parse(readFileSync(this.entryPath(file), 'utf8')) as { id?: unknown; header?: unknown; tree?: unknown };
      if (entry.id !== identity || (entry.header !== null && typeof entry.header !== 'string')) return undefined;
      return { config: treeFromJson(entry.tree, sourceFile), packageHeader: entry.header };
    } catch {
      return undefined;
    }
  }

  /** Keep a file's parse (sources naming `sourceFile`); does nothing when that is unsafe or fails. */
  put(file: StoredFile, sourceFile: string, parse: StoredParse): void {
    const identity = this.identity(file);
    if (identity === null) return;
    if (file.mtimeMs !== undefined && !(Date.now() - file.mtimeMs >= PARSE_STORE_SETTLE_MS)) return;
    const tree = treeToJson(parse.config, sourceFile);
    if (tree === undefined) return;
    try {
      writeFileAtomicSync(this.entryPath(file), JSON.stringify({ id: identity, header: parse.packageHeader, tree }));
      this.pruneOnce();
    } catch {
      // A read-only or full disk only costs the next run a parse.
    }
  }

  /** Keep the folder bounded: past the limit, remove the least recently written entries. */
  private pruneOnce(): void {
    if (prunedDirs.has(this.dir)) return;
    prunedDirs.add(this.dir);
    const names = readdirSync(this.dir);
    if (names.length <= PARSE_STORE_MAX_ENTRIES) return;
    const aged = names.map((name) => {
      const file = path.join(this.dir, name);
      try {
        return { file, mtime: statSync(file).mtimeMs };
      } catch {
        return { file, mtime: 0 };
      }
    });
    aged.sort((a, b) => a.mtime - b.mtime);
    const keep = Math.floor(PARSE_STORE_MAX_ENTRIES * 0.75);
    for (const { file } of aged.slice(0, aged.length - keep)) rmSync(file, { force: true });
  }
}
