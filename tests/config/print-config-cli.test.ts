// `verl-ts print-config`: flags (--package, --flatten, --provenance, --resolve), stderr/exit codes, and
// the built CLI launched as a user runs it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { defaultConfigDir } from '../../src/cli/config-args.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const APP = path.join(ROOT, 'tests/fixtures/config/trees/app');

async function printConfig(args: string[]) {
  const io = bufferIO({ env: { APP_HOME: '/home/app' }, cwd: ROOT });
  const code = await runCli(['print-config', '--config-path', APP, '--config-name', 'config', ...args], io);
  return { code, out: io.out(), err: io.err() };
}

describe('print-config', () => {
  it('prints the job config like `--cfg job`', async () => {
    const r = await printConfig(['db=postgres', 'steps=7']);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out.startsWith('db:\n  driver: postgres\n  port: 5432\nname: app\nbig: 123456789012345678901234567890\nlr: 1.0e-06\nsteps: 7\n')).toBe(true);
    expect(r.out).not.toMatch(/^hydra:/m);
  });

  it('resolves with --resolve', async () => {
    const r = await printConfig(['--resolve', '--package', 'nested']);
    expect(r.out).toBe('# @package nested\nref: app\nrel: app-x\n');
  });

  it('prints a package: a node with its header, a scalar as Python prints it, _global_ as everything', async () => {
    expect((await printConfig(['--package', 'db'])).out).toBe('# @package db\ndriver: mysql\nport: 3306\n');
    expect((await printConfig(['--package', 'lr'])).out).toBe('1e-06\n');
    expect((await printConfig(['--package', 'nested.ref'])).out).toBe('app\n');
    expect((await printConfig(['--package', '_global_'])).out).toBe((await printConfig([])).out);
    const missing = await printConfig(['--package', 'nope.x']);
    expect(missing).toEqual({ code: 2, out: '', err: "package 'nope.x' not found in config\n" });
  });

  it('flattens, with provenance on request', async () => {
    const flat = await printConfig(['--flatten', 'steps=7']);
    expect(flat.out.split('\n').slice(0, 4)).toEqual(['db.driver: mysql', 'db.port: 3306', 'name: app', 'big: 123456789012345678901234567890']);
    const prov = await printConfig(['--provenance', 'steps=7', '--package', 'db']);
    expect(prov.out).toBe('db.driver: mysql  # db/mysql.yaml:1\ndb.port: 3306  # db/mysql.yaml:2\n');
    const withOverride = await printConfig(['--provenance', 'steps=7']);
    expect(withOverride.out).toContain("steps: 7  # override 'steps=7'\n");
  });

  it('prints errors on stderr with exit code 2 and no stack trace', async () => {
    const r = await printConfig(['db=oracle']);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^In 'config': Could not find 'db\/oracle'\n\nAvailable options in 'db':\n\tmysql\n\tpostgres\n/);
    expect(r.err.endsWith('\nSet the environment variable HYDRA_FULL_ERROR=1 for a complete stack trace.\n')).toBe(true);
    expect(r.err).not.toMatch(/\n\s+at /);
    const resolveErr = await printConfig(['--resolve', '+bad=${nope}']);
    expect(resolveErr).toEqual({ code: 2, out: '', err: "omegaconf.errors.InterpolationKeyError: Interpolation key 'nope' not found\n" });
  });

  it('passes overrides through verbatim (spaces, tabs, quotes, ~, +, a=b=c)', async () => {
    const r = await printConfig(['+a= padded  ', '+b=x\ty', "+c='q q'", '~nested.rel', '++d.e=1', '+f=-1']);
    expect(r.out).toContain("nested:\n  ref: ${name}\nmissing: ???\na: padded\nb: \"x\\ty\"\nc: q q\nd:\n  e: 1\nf: -1\n");
    expect((await printConfig(['a=b=c'])).err).toMatch(/^mismatched input '=' expecting <EOF>\n/);
  });

  it('warns about a primary defaults list without _self_ on stderr', async () => {
    const io = bufferIO({ env: {} });
    const code = await runCli(['print-config', '--config-path', APP, '--config-name', 'no_self'], io);
    expect(code).toBe(0);
    expect(io.err()).toMatch(/^UserWarning: In 'no_self': Defaults list is missing `_self_`/);
  });

  it("defaults to the package's own config directory", () => {
    expect(defaultConfigDir()).toBe(path.join(ROOT, 'config') + path.sep);
  });

  it('runs from the built CLI', () => {
    const bin = path.join(ROOT, 'bin/verl-ts');
    expect(existsSync(path.join(ROOT, 'dist/cli-bundle/main.js')), "dist/ is missing: run 'npm run build' (npm test does)").toBe(true);
    const r = spawnSync(process.execPath, [bin, 'print-config', '--config-path', APP, '--config-name', 'config', 'steps=3', '--package', 'steps'], {
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('3\n');
    expect(r.status).toBe(0);
  });
});
