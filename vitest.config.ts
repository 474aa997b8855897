import { defineConfig } from 'vitest/config';

// Tests start real brokers, SQLite files, PTYs and child gateways: give them room,
// and keep the two cores from being oversubscribed.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One run's processes and temporary folders are swept at its end (run-scope); the console is
    // built once per run (when its sources changed) for the browser tests.
    globalSetup: ['test/setup/run-scope.ts', 'test/setup/builds.ts'],
    testTimeout: 30_000,
    // expect.poll waits on real browsers and processes; a loaded 2-core machine needs more than 1 s.
    expect: { poll: { timeout: 10_000, interval: 100 } },
    hookTimeout: 30_000,
    pool: 'forks',
    maxWorkers: 2,
    // The JSON file is what .ci/run counts; the default reporter is for people.
    reporters: ['default', 'json'],
    outputFile: { json: 'test/artifacts/vitest-results.json' },
  },
});
