/** File-system path helpers shared by commands and config checks. */
import { homedir } from 'node:os';
import path from 'node:path';

/** `~` and `~/…` mean the home folder, as they do for verl's paths (pandas, copy_to_local). */
export function expandHome(p: string): string {
  return p === '~' ? homedir() : p.startsWith('~/') ? path.join(homedir(), p.slice(2)) : p;
}

/** A user-given path made absolute: home expanded, relative paths taken from `cwd`. */
export function userPath(p: string, cwd: string): string {
  return path.resolve(cwd, expandHome(p));
}
