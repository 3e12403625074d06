// `verl-ts report` and `verl-ts compare` from the command line: where the file goes, that it needs nothing from
// the network, and the errors for a missing or wrong run directory and a bad --out.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { makeTempDir } from '../support/temp-dir.js';
import { writeFakeRun } from '../report/fixture-run.js';

async function cli(argv: string[], cwd: string) {
  const io = bufferIO({ cwd, env: {} });
  const code = await runCli(argv, io);
  return { code, out: io.out(), err: io.err() };
}

/** External resources a page would load: script/link/img with a src or href. */
function externalRefs(html: string): string[] {
  return [...html.matchAll(/<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=/gi)].map((m) => m[0]);
}

describe('verl-ts report', () => {
  it('writes <run_dir>/report.html, self-contained, with the header and the embedded dumps', async () => {
    const tmp = makeTempDir('verlts-report-cli-');
    const run = writeFakeRun(path.join(tmp, 'run'));
    const r = await cli(['report', 'run'], tmp);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const file = path.join(run, 'report.html');
    expect(r.out).toMatch(new RegExp(`^wrote ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(\\d+ KiB\\)`));
    const html = readFileSync(file, 'utf8');
    expect(externalRefs(html)).toEqual([]);
    expect(html).toContain('uPlot');
    expect(html).toContain('Finished: 6 of 6 steps.');
    expect(html).toContain('proj / exp');
    // Dumps: one block per step, the prompt's markup escaped nowhere because it is compressed.
    expect(html.match(/id="samples-rollout-\d+"/g)).toHaveLength(6);
    expect(html.match(/id="samples-validation-\d+"/g)).toHaveLength(3);
    expect(html).not.toContain('prompt 0 <b>');
  });

  it('says where dumps would come from when the run has none', async () => {
    const tmp = makeTempDir('verlts-report-cli-');
    const run = writeFakeRun(path.join(tmp, 'run'));
    for (const d of ['rollouts', 'validation']) rmSync(path.join(run, d), { recursive: true });
    expect((await cli(['report', 'run', '--out', 'r.html'], tmp)).code).toBe(0);
    const html = readFileSync(path.join(tmp, 'r.html'), 'utf8');
    expect(html).toContain('No rollout or validation dumps found');
    expect(html).not.toContain('id="sample-table"');
  });

  it('writes --out where asked and refuses a folder', async () => {
    const tmp = makeTempDir('verlts-report-cli-');
    writeFakeRun(path.join(tmp, 'run'));
    expect((await cli(['report', 'run', '--out', 'sub/r.html'], tmp)).code).toBe(0);
    expect(existsSync(path.join(tmp, 'sub', 'r.html'))).toBe(true);
    mkdirSync(path.join(tmp, 'adir'));
    const r = await cli(['report', 'run', '--out', 'adir'], tmp);
    expect(r.code).toBe(1);
    expect(r.err).toContain("--out: '");
    expect(r.err).toContain("is a folder; give the path of a file to write.");
  });

  it('names a folder that is not a run', async () => {
    const tmp = makeTempDir('verlts-report-cli-');
    let r = await cli(['report', 'missing'], tmp);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${path.join(tmp, 'missing')}: no such run directory`);
    r = await cli(['report', '.'], tmp);
    expect(r.code).toBe(1);
    expect(r.err).toContain('not a training run directory (no .hydra/config.yaml');
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});

describe('verl-ts compare', () => {
  it('writes compare.html in the working directory with one row per run', async () => {
    const tmp = makeTempDir('verlts-report-cli-');
    writeFakeRun(path.join(tmp, 'a'), { overrides: ['x=1'] });
    writeFakeRun(path.join(tmp, 'b'), { overrides: ['x=2'] });
    const r = await cli(['compare', 'a', 'b'], tmp);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const html = readFileSync(path.join(tmp, 'compare.html'), 'utf8');
    expect(externalRefs(html)).toEqual([]);
    expect(html).toContain('verl-ts compare: 2 runs');
    expect(html).toContain('<td>x=1</td>');
    expect(html).toContain('<td>x=2</td>');
  });

  it('needs two runs', async () => {
    const tmp = makeTempDir('verlts-report-cli-');
    writeFakeRun(path.join(tmp, 'a'));
    const r = await cli(['compare', 'a'], tmp);
    expect(r.code).toBe(2);
    expect(r.err).toContain('compare needs at least two run directories, got 1');
  });
});
