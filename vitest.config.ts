import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // onnxruntime-node rejects typed arrays from another realm, so tests must not run in vm contexts.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Removes each test file's temp folders (tests/support/temp-dir.ts) when the file ends.
    setupFiles: ['./tests/support/setup.ts'],
    reporters: ['default', './tests/support/summary-reporter.ts'],
  },
});
