/** Path of a file under ../shared/fixtures (beside the project checkout, or beside the worktrees folder); it may not exist. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('../..', import.meta.url).pathname;

export function sharedFixture(relative: string): string {
  for (const base of [join(ROOT, '..', 'shared'), join(ROOT, '..', '..', 'shared')]) {
    const p = join(base, 'fixtures', relative);
    if (existsSync(p)) return p;
  }
  return join(ROOT, '..', 'shared', 'fixtures', relative);
}
