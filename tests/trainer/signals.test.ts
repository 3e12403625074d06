import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../support/temp-dir.js';
import { INTERRUPT_EXIT_CODES } from '../../src/trainer/signals.js';
import { runChild } from './child-process.js';

const base = makeTempDir('verlts-signals-');
const script = new URL('./children/interrupt.ts', import.meta.url);

describe('installInterruptHandler (in a child process)', () => {
  it('first signal sets the flag only; a second exits with 143 after removing the half-written checkpoint', async () => {
    const root = join(base, 'term');
    const child = runChild(script, [root, 'save']);
    await child.waitFor('saving');
    expect(child.lines()).toContain('flag-before:null');
    child.proc.kill('SIGINT');
    await child.waitFor('flag:SIGINT');
    const tmp = join(root, `.global_step_2.tmp-${child.proc.pid}`);
    expect(existsSync(tmp)).toBe(true); // still running: the first signal does not stop anything
    child.proc.kill('SIGTERM');
    const { code, signal } = await child.exit;
    expect({ code, signal }).toEqual({ code: 143, signal: null });
    expect(child.lines()).toEqual(['flag-before:null', 'saving', 'first:SIGINT', 'flag:SIGINT', 'second:SIGTERM']);
    expect(existsSync(tmp)).toBe(false);
    expect(readdirSync(root).sort()).toEqual(['global_step_1', 'latest_checkpointed_iteration.txt']);
    expect(readFileSync(join(root, 'latest_checkpointed_iteration.txt'), 'utf8')).toBe('1');
  });

  it('two Ctrl-C exit with 130', async () => {
    const child = runChild(script, [join(base, 'int'), 'save']);
    await child.waitFor('saving');
    child.proc.kill('SIGINT');
    await child.waitFor('flag:SIGINT');
    child.proc.kill('SIGINT');
    expect((await child.exit).code).toBe(INTERRUPT_EXIT_CODES.SIGINT);
    expect(INTERRUPT_EXIT_CODES).toEqual({ SIGINT: 130, SIGTERM: 143 });
  });

  it('after dispose() a signal has its default effect again', async () => {
    const child = runChild(script, [join(base, 'dispose'), 'dispose']);
    await child.waitFor('ready');
    child.proc.kill('SIGINT');
    const { code, signal } = await child.exit;
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGINT' });
    expect(child.lines()).toEqual(['ready']);
  });
});
