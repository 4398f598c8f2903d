import os from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'data/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // At least two test files at a time: vitest's default (one fewer than the cores) runs one file at a time on a
    // 2-core runner, yet most files spend their time waiting on child processes, PostgreSQL, Chromium or argon2.
    maxWorkers: Math.max(2, os.availableParallelism() - 1),
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/support/pii-setup.ts'],
  },
});
