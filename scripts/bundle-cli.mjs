// Build step after tsc: bundles the CLI (dist/cli/main.js and everything it loads) into dist/cli-bundle/, one
// chunk per command, so that a start loads about ten files instead of about a hundred modules, and the yaml
// package into yaml.cjs, loaded only when a config file has to be parsed; bin/verl-ts runs the bundle. onnxruntime-node (native) and tsx (registers loader hooks by
// its own file paths) stay outside. Whitespace and syntax are minified (less to parse at start-up); names are
// kept so stack traces (HYDRA_FULL_ERROR=1) stay readable.
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

// string-width (the copies under yargs, cliui and wrap-ansi) builds an Intl.Segmenter (ICU's break rules:
// 8-14 ms) and, in yargs' copy, a /^\p{RGI_Emoji}$/v regex (13-20 ms) when it is loaded, though only help and
// error text ever measure a width. Each is made on first use instead. The build fails if a new version no longer
// has the line it replaces, or uses the value other than through that one method.
const LAZY_CONSTANTS = [
  { name: 'segmenter', init: 'new Intl.Segmenter()', method: 'segment' },
  { name: 'rgiEmojiRegex', init: '/^\\p{RGI_Emoji}$/v', method: 'test' },
];
const lazyStringWidthConstants = {
  name: 'lazy-string-width-constants',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/]string-width[\\/]index\.js$/ }, (args) => {
      let source = readFileSync(args.path, 'utf8');
      for (const { name, init, method } of LAZY_CONSTANTS) {
        const line = `const ${name} = ${init};`;
        if (!source.includes(`${name} =`)) continue; // not in this version (cli-progress's string-width has neither)
        const otherUse = new RegExp(`\\b${name}\\.(?!${method}\\()|[(,=]\\s*${name}\\b(?!\\.)`);
        if (!source.includes(line) || otherUse.test(source)) {
          return { errors: [{ text: `${args.path}: expected \`${line}\`, used only as ${name}.${method}(); update ${path.basename(import.meta.filename)}` }] };
        }
        const made = `${name}Made`;
        source = source.replace(line, `let ${made}; const ${name} = { ${method}: (arg) => (${made} ??= ${init}).${method}(arg) };`);
      }
      return { contents: source, loader: 'js' };
    });
  },
};

// The yaml package goes into a file of its own, yaml.cjs, which src/config/yaml/yaml-lib.ts loads the first
// time a file has to be parsed: with the parse store filled, a start never compiles or runs it.
const YAML_REQUIRE = "createRequire(import.meta.url)('yaml')";
const yamlOnDemand = {
  name: 'yaml-on-demand',
  setup(b) {
    b.onLoad({ filter: /[\\/]dist[\\/]config[\\/]yaml[\\/]yaml-lib\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes(YAML_REQUIRE)) {
        return { errors: [{ text: `${args.path}: expected \`${YAML_REQUIRE}\`; update ${path.basename(import.meta.filename)}` }] };
      }
      return { contents: source.replace(YAML_REQUIRE, "createRequire(import.meta.url)('./yaml.cjs')"), loader: 'js' };
    });
  },
};

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
  plugins: [lazyStringWidthConstants, yamlOnDemand],
  logLevel: 'warning',
});
await build({
  entryPoints: [createRequire(import.meta.url).resolve('yaml')],
  outfile: path.join(outdir, 'yaml.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
});
