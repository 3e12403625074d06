// Runs before every test file (vitest.config.ts setupFiles): removes the file's temp folders when it ends.
import { afterAll } from 'vitest';
import { removeTempDirs } from './temp-dir.js';

afterAll(removeTempDirs);
