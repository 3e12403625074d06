// The one test command (README and .ci/run): build the CLI, then run the whole suite.
// Building first lets tests exercise bin/verl-ts exactly as a user runs it.
import { spawnSync } from 'node:child_process';

const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.error) throw r.error;
  return r.status ?? 1;
};

// The same two steps as `npm run build`: compile, then bundle the CLI that bin/verl-ts runs.
let buildStatus = run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json']);
if (buildStatus === 0) buildStatus = run(process.execPath, ['scripts/bundle-cli.mjs']);
if (buildStatus !== 0) {
  process.stdout.write('\n0 passed, 1 failed\n');
  process.exit(buildStatus);
}
process.exit(run(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', ...process.argv.slice(2)]));
