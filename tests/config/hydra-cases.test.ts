// Conformance: every folder under tests/fixtures/hydra-cases is one real-Hydra case (Hydra 1.3.2 +
// OmegaConf 2.2.2 `--cfg job` output or error text), replayed through the real CLI code path.
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';

const CASES_DIR = path.resolve(import.meta.dirname, '../fixtures/hydra-cases');

function readLines(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.replace(/\r$/, ''))
    .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'));
}

function envWithoutCaseVariables(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('HCASE_')) env[key] = value;
  return env;
}

const cases = readdirSync(CASES_DIR, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

describe('Hydra conformance cases', () => {
  it('finds the case folders', () => {
    expect(cases.length).toBeGreaterThanOrEqual(70);
  });

  for (const name of cases) {
    it(name, async () => {
      const caseDir = path.join(CASES_DIR, name);
      const confDir = path.join(caseDir, 'conf');
      const flags = existsSync(path.join(caseDir, 'flags.txt')) ? readLines(path.join(caseDir, 'flags.txt')) : [];
      const overrides = readLines(path.join(caseDir, 'overrides.txt'));
      const io = bufferIO({ env: envWithoutCaseVariables(), cwd: caseDir });
      const code = await runCli(['print-config', '--config-path', confDir, '--config-name', 'config', ...flags, ...overrides], io);
      const expectedYaml = path.join(caseDir, 'expected.yaml');
      if (existsSync(expectedYaml)) {
        expect(io.err()).not.toMatch(/Error|Exception/);
        expect(io.out()).toBe(readFileSync(expectedYaml, 'utf8'));
        expect(code).toBe(0);
      } else {
        const expected = readFileSync(path.join(caseDir, 'expected-error.txt'), 'utf8');
        const stderr = io.err().replaceAll(realpathSync(confDir), '<CONF_DIR>').replaceAll(confDir, '<CONF_DIR>');
        // The message up to the blank line before `Config search path:` / the HYDRA_FULL_ERROR hint must match;
        // verl-ts prints the rest of Hydra's compact error too, so the whole text is compared.
        const head = (text: string) => text.split(/\n\n(?=Config search path:|Set the environment variable HYDRA_FULL_ERROR)/)[0];
        expect(head(stderr)).toBe(head(expected));
        expect(stderr).toBe(expected);
        expect(io.out()).toBe('');
        expect(code).toBe(2);
      }
    });
  }
});
