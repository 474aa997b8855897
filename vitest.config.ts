import { defineConfig } from 'vitest/config';

// Tests start real brokers, SQLite files, PTYs and child gateways: give them room,
// and keep the two cores from being oversubscribed.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    maxWorkers: 2,
    // The JSON file is what .ci/run counts; the default reporter is for people.
    reporters: ['default', 'json'],
    outputFile: { json: 'test/artifacts/vitest-results.json' },
  },
});
