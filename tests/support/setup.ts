// Runs before every test file (vitest.config.ts setupFiles): removes the file's temp folders when it ends, and
// points the user cache (the CLI's parse store) at one of them, so tests never write to the real ~/.cache.
import { afterAll } from 'vitest';
import { makeTempDir, removeTempDirs } from './temp-dir.js';

process.env.XDG_CACHE_HOME = makeTempDir('verl-ts-test-cache-');
afterAll(removeTempDirs);
