import { describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/main.js';
import { bufferIO } from '../src/cli/io.js';

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
