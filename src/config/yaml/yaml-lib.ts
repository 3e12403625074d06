/**
 * The `yaml` package, loaded on first use rather than with the config code: a CLI start that finds every
 * config file in the parse store never parses YAML, so it does not pay for loading the parser (~8 ms of
 * `print-config`). The CLI bundle points this at its own single-file copy, `dist/cli-bundle/yaml.cjs`
 * (scripts/bundle-cli.mjs); everywhere else it is the installed package.
 */
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

let lib: typeof Yaml | undefined;

export function yamlLib(): typeof Yaml {
  lib ??= createRequire(import.meta.url)('yaml') as typeof Yaml;
  return lib;
}
