import path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // In this checkout 'gauntlet' is the source itself (bin/gauntlet.mjs does the same for the CLI).
  resolve: { alias: { 'gauntlet/api': path.resolve('harness/api.ts'), gauntlet: path.resolve('harness/index.ts') } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    reporters: ['default'],
  },
});
