// Build step after tsc: bundles the CLI (dist/cli/main.js and everything it loads) into dist/cli-bundle/, one
// chunk per command, so that a start loads about ten files instead of about a hundred modules (plus yaml's
// CommonJS files); bin/verl-ts runs the bundle. onnxruntime-node (native) and tsx (registers loader hooks by
// its own file paths) stay outside. Whitespace and syntax are minified (less to parse at start-up); names are
// kept so stack traces (HYDRA_FULL_ERROR=1) stay readable.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist/cli-bundle');
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { main: path.join(root, 'dist/cli/main.js') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['onnxruntime-node', 'tsx'],
  minifyWhitespace: true,
  minifySyntax: true,
  // CommonJS dependencies (yaml) call require() for Node built-ins, which an ES module has to be given.
  banner: { js: "import { createRequire as __verlTsRequire } from 'node:module'; const require = __verlTsRequire(import.meta.url);" },
  logLevel: 'warning',
});
