import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    // Two cores: two workers keep the machine busy without thrashing PostgreSQL.
    maxWorkers: 2,
    testTimeout: 30_000,
    // CI prints every test's name, so the log shows each suite running on both engines.
    reporters: process.env.CI ? ['verbose'] : ['default'],
    hookTimeout: 60_000,
  },
});
