import { defineConfig } from 'vitest/config';

// Storage tests need no server: this config skips the repo-wide globalSetup that starts one.
export default defineConfig({
  test: {
    include: ['test/mongo/storage/**/*.test.ts'],
    testTimeout: 30_000,
    pool: 'forks',
  },
});
