/**
 * `${verl_ts.asset:relative/path}`: a path inside the installed verl-ts package (its examples, embedded model and
 * data), so a config that uses embedded assets works from any working directory and from `npx verl-ts`.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../../util/errors.js';
import { packageRoot } from '../../util/package-root.js';
import { registerResolver, hasResolver } from './registry.js';

export const PACKAGE_ROOT = packageRoot();

export function packageAsset(relative: string): string {
  if (path.isAbsolute(relative) || relative.split(/[\\/]/).includes('..')) {
    throw new ConfigError(`\${verl_ts.asset:${relative}}: expected a path inside the verl-ts package (relative, without '..')`);
  }
  const full = path.join(PACKAGE_ROOT, relative);
  if (!existsSync(full)) throw new ConfigError(`\${verl_ts.asset:${relative}}: the verl-ts package has no '${relative}' (looked at ${full})`);
  return full;
}

if (!hasResolver('verl_ts.asset')) {
  registerResolver('verl_ts.asset', (args) => {
    if (args.length !== 1 || typeof args[0] !== 'string') throw new ConfigError('verl_ts.asset takes one argument: a path inside the verl-ts package');
    return packageAsset(args[0]);
  });
}
