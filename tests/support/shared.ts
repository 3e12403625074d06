/**
 * Where the workplace's shared reference folder is: $VERL_TS_SHARED, else `shared/` beside the checkout (or
 * beside the worktrees folder). Resolved from this file, not the current directory, so starting vitest from
 * another folder finds the same fixtures instead of silently skipping.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

function sharedDirs(): string[] {
  const fromEnv = process.env.VERL_TS_SHARED;
  if (fromEnv) return [fromEnv];
  return [join(REPO_ROOT, '..', 'shared'), join(REPO_ROOT, '..', '..', 'shared')];
}

/**
 * Absolute path of `fixtures/<relative>` in the shared folder, or null when it is absent; an absent fixture
 * is announced on stderr so a skipped compatibility check is never silent.
 */
export function sharedFixture(relative: string): string | null {
  const candidates = sharedDirs().map((dir) => join(dir, 'fixtures', relative));
  const found = candidates.find((p) => existsSync(p));
  if (found) return found;
  process.stderr.write(`[shared fixtures] skipping tests that need ${candidates[0]}: not found (set VERL_TS_SHARED to the shared folder)\n`);
  return null;
}
