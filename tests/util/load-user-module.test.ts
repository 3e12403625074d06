import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadUserModule, userFunction } from '../../src/util/load-user-module.js';
import { UserError } from '../../src/util/errors.js';
import { makeTempDir } from '../support/temp-dir.js';

const dir = makeTempDir('verlts-usermod-');
writeFileSync(join(dir, 'helper.ts'), 'export const twice = (x: number): number => 2 * x;\n');
writeFileSync(join(dir, 'reward.ts'), "import { twice } from './helper.js';\nexport function compute_score(x: number): number { return twice(x) + 1; }\nexport const notAFunction = 3;\n");
writeFileSync(join(dir, 'plain.mjs'), 'export function scorer() { return 7; }\n');
writeFileSync(join(dir, 'broken.ts'), 'export function ( {\n');
writeFileSync(join(dir, 'data.txt'), 'x');

describe('loadUserModule', () => {
  it('loads a .ts module with relative imports, and a .mjs module', async () => {
    const mod = await loadUserModule('reward.ts', { cwd: dir });
    expect(userFunction<(x: number) => number>(mod, 'compute_score', { path: 'reward.ts' })(3)).toBe(7);
    const plain = await loadUserModule(join(dir, 'plain.mjs'));
    expect(userFunction<() => number>(plain, 'scorer', { path: 'plain.mjs' })()).toBe(7);
  });
  it('evaluates a module once however often it is loaded', async () => {
    const a = await loadUserModule('reward.ts', { cwd: dir });
    const b = await loadUserModule(`file://${join(dir, 'reward.ts')}`);
    expect(a.compute_score).toBe(b.compute_score);
  });
  it('explains a missing file, a wrong extension and a syntax error', async () => {
    await expect(loadUserModule('nope.ts', { cwd: dir, what: 'custom_reward_function.path' })).rejects.toThrow(
      `custom_reward_function.path: file not found: 'nope.ts' (looked at ${join(dir, 'nope.ts')})`,
    );
    await expect(loadUserModule('data.txt', { cwd: dir })).rejects.toThrow("module: 'data.txt' must be a .js, .mjs, .cjs, .ts, .mts or .cts file (got '.txt')");
    const err = await loadUserModule('broken.ts', { cwd: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/^module: could not load 'broken.ts': /);
  });
  it('names a missing export with the exports that exist and a suggestion', async () => {
    const mod = await loadUserModule('reward.ts', { cwd: dir });
    expect(() => userFunction(mod, 'compute_scor', { path: 'reward.ts', what: 'custom_reward_function.name' })).toThrow(
      "custom_reward_function.name: 'reward.ts' has no export named 'compute_scor'. Exports: compute_score, notAFunction. Did you mean 'compute_score'?",
    );
    expect(() => userFunction(mod, 'notAFunction', { path: 'reward.ts' })).toThrow("module: export 'notAFunction' of 'reward.ts' is a number, expected a function");
  });
});
