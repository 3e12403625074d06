/**
 * File-system problems as one line a person can act on: the setting, the path, what is wrong and the fix.
 * Commands check their inputs and output locations up front (before any work, before a run directory is
 * created); `fsUserError` maps whatever still fails at write time (a disk filling up) to the same kind of line.
 */
import { accessSync, constants, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InputError } from './errors.js';

/** What an errno code means for a path, and what to do about it. */
const ERRNO_TEXT: Record<string, { problem: string; fix: string }> = {
  EACCES: { problem: 'permission denied', fix: 'choose a location you can write to, or change its permissions' },
  EPERM: { problem: 'operation not permitted', fix: 'choose a location you can write to, or change its permissions' },
  EROFS: { problem: 'the file system is read-only', fix: 'choose a location on a writable disk' },
  ENOTDIR: { problem: 'a part of the path is a file, not a folder', fix: 'choose a path whose parent folders are folders' },
  EISDIR: { problem: 'it is a folder, not a file', fix: 'give the path of a file' },
  EEXIST: { problem: 'something already exists there', fix: 'remove it or choose another path' },
  ENOENT: { problem: 'no such file or folder', fix: 'check the path' },
  ENOSPC: { problem: 'no space left on the device', fix: 'free some space or choose another disk' },
  EDQUOT: { problem: 'disk quota exceeded', fix: 'free some space or choose another disk' },
  EMFILE: { problem: 'too many open files', fix: 'raise the open-file limit (ulimit -n)' },
};

function errnoOf(err: unknown): (NodeJS.ErrnoException & { code: string }) | null {
  if (!(err instanceof Error)) return null;
  const code = (err as NodeJS.ErrnoException).code;
  return typeof code === 'string' && code in ERRNO_TEXT ? (err as NodeJS.ErrnoException & { code: string }) : null;
}

/**
 * A file-system error from Node (EACCES, ENOTDIR, ENOSPC, ...) as an InputError naming the path (and the setting
 * `key` when known); null for anything else.
 */
export function fsUserError(err: unknown, key?: string): InputError | null {
  const e = errnoOf(err);
  if (!e) return null;
  const { problem, fix } = ERRNO_TEXT[e.code];
  const path = (e as { dest?: string }).dest ?? e.path;
  const where = path === undefined ? '' : ` '${path}'`;
  const verb = e.syscall ? ` (${e.syscall})` : '';
  return new InputError(`${key ? `${key}: ` : ''}cannot use${where}: ${problem}${verb}; ${fix}.`, { cause: err });
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ENOTDIR') return null;
    throw fsUserError(err) ?? err;
  }
}

/** The closest existing ancestor of `path` (the path itself when it exists). */
function nearestExisting(path: string): { path: string; stats: Stats } {
  let p = resolve(path);
  for (;;) {
    const stats = statOrNull(p);
    if (stats) return { path: p, stats };
    const parent = dirname(p);
    if (parent === p) throw new InputError(`'${path}' has no existing parent folder`);
    p = parent;
  }
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The folders that would be created for `path` must be creatable: their nearest existing ancestor is a writable folder. */
function checkCreatable(path: string, key: string): void {
  const near = nearestExisting(dirname(resolve(path)));
  if (!near.stats.isDirectory()) {
    throw new InputError(`${key}: cannot create '${path}': '${near.path}' is a file, not a folder; choose a path whose parent folders are folders.`);
  }
  if (!writable(near.path)) {
    throw new InputError(`${key}: cannot create '${path}': the folder '${near.path}' is not writable; choose a location you can write to, or change its permissions.`);
  }
}

/** `path` can be written as a file: it is not a folder, and its folder exists writable or can be created. */
export function checkOutputFile(path: string, key: string): void {
  const stats = statOrNull(path);
  if (stats?.isDirectory()) throw new InputError(`${key}: '${path}' is a folder; give the path of a file to write.`);
  checkCreatable(path, key);
}

/** `path` can be used as an output folder: an existing folder we can write into, or creatable. */
export function checkOutputDir(path: string, key: string): void {
  const stats = statOrNull(path);
  if (stats && !stats.isDirectory()) throw new InputError(`${key}: '${path}' is a file; give the path of a folder.`);
  if (stats && !writable(path)) {
    throw new InputError(`${key}: the folder '${path}' is not writable; choose a location you can write to, or change its permissions.`);
  }
  if (!stats) checkCreatable(path, key);
}

/** `path` is an existing, readable file (not a folder). */
export function checkInputFile(path: string, key: string): void {
  const stats = statOrNull(path);
  if (!stats) throw new InputError(`${key}: file not found: '${path}'.`);
  if (stats.isDirectory()) throw new InputError(`${key}: '${path}' is a folder; give the path of a file.`);
  try {
    accessSync(path, constants.R_OK);
  } catch {
    throw new InputError(`${key}: '${path}' is not readable; check its permissions.`);
  }
}

/** `path` exists (a file or a folder, as `kind` says). */
export function checkInputPath(path: string, key: string, kind: 'file' | 'folder' | 'any' = 'any'): void {
  const stats = statOrNull(path);
  if (!stats) throw new InputError(`${key}: not found: '${path}'.`);
  if (kind === 'file' && stats.isDirectory()) throw new InputError(`${key}: '${path}' is a folder; give the path of a file.`);
  if (kind === 'folder' && !stats.isDirectory()) throw new InputError(`${key}: '${path}' is a file; give the path of a folder.`);
}
