// Long commands report progress on stderr (a bar on a terminal, plain lines otherwise) and end with a line
// saying what was written where and how long it took: issue 11, section 3.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';

const work = mkdtempSync(join(tmpdir(), 'verlts-progress-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function data(dir: string, isTTY: boolean) {
  const io = bufferIO({ cwd: work, isTTY });
  const code = await runCli(['data', 'digit_completion', '--local_save_dir', dir], io);
  return { code, out: io.out(), err: io.err() };
}

describe('verl-ts data progress', () => {
  it('prints plain progress lines on stderr when it is not a terminal, and a final line on stdout', async () => {
    const r = await data('plain', false);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^digit_completion train: 800\/800 rows \(100%\), [\d.,]+ rows\/s, ETA 0s\ndigit_completion test: 200\/200 rows \(100%\), [\d.,]+ rows\/s, ETA 0s\n$/);
    expect(r.out).toMatch(new RegExp(`\\ndata digit_completion: wrote 2 file\\(s\\) to ${join(work, 'plain')} in \\d+s\\n$`));
    expect(r.err).not.toContain('\x1B[');
  });

  it('draws a bar on a terminal', async () => {
    const r = await data('tty', true);
    expect(r.code).toBe(0);
    expect(r.err).toContain('\x1B[');
    expect(r.err).toMatch(/digit_completion train \[=+\] 800\/800 rows \(100%\)/);
    expect(r.out).toContain('data digit_completion: wrote 2 file(s)');
  });
});
