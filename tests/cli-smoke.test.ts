import { describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/main.js';
import { bufferIO } from '../src/cli/io.js';
import { makeTempDir } from './support/temp-dir.js';

describe('CLI entry', () => {
  it('prints its version', async () => {
    const io = bufferIO();
    const code = await runCli(['--version'], io);
    expect(code).toBe(0);
    expect(io.out().trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('CLI errors', () => {
  it('rejects an unknown command with exit code 2', async () => {
    const io = bufferIO();
    const code = await runCli(['frobnicate'], io);
    expect(code).toBe(2);
    expect(io.err()).toContain('Unknown command: frobnicate');
  });
});

describe('output piped into a reader that stops early', () => {
  it('does not crash with EPIPE and the command still finishes its work', async () => {
    const { spawnSync } = await import('node:child_process');
    const { existsSync } = await import('node:fs');
    const { join } = await import('node:path');
    const out = makeTempDir('verlts-pipe-');
    const bin = new URL('../bin/verl-ts', import.meta.url).pathname;
    const r = spawnSync('bash', ['-c', `set -o pipefail; node '${bin}' data countdown --local_save_dir '${out}' --train_size 500 --test_size 5 | head -c 1 >/dev/null`], {
      encoding: 'utf8',
    });
    expect(r.stderr).not.toContain('EPIPE');
    expect(r.status).toBe(0);
    expect(existsSync(join(out, 'train.parquet'))).toBe(true);
  });
});
