/** Where the workplace's shared reference folder is: `../shared` beside the checkout, or $VERL_TS_SHARED. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const SHARED_DIR = process.env.VERL_TS_SHARED ?? '../shared';

export function sharedFile(rel: string): string | null {
  const p = join(SHARED_DIR, rel);
  return existsSync(p) ? p : null;
}
