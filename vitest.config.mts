import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each file patches http in its own process: instrumentations must not leak across files.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
