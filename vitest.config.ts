import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: [
            'test/e2e/**',
            'test/simulator/**',
            'test/process/**',
            'test/dashboard/e2e/**',
            'test/store/**',
            'test/cluster/**',
          ],
          testTimeout: 10_000,
        },
      },
      {
        // Real processes and real Chromium: long limits, and files one after another so that
        // browser-heavy suites don't fight over the two cores.
        test: {
          name: 'e2e',
          include: [
            'test/e2e/**/*.test.ts',
            'test/simulator/**/*.test.ts',
            'test/process/**/*.test.ts',
            'test/dashboard/e2e/**/*.test.ts',
            // Real server processes on SQLite and on a throw-away PostgreSQL cluster.
            'test/store/**/*.test.ts',
          ],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        // Cluster mode (issue 11): a throw-away PostgreSQL, three real server processes and Debian's
        // nginx per file (test/cluster/harness.ts). Failovers wait out lease expiries: long limits,
        // and files one after another (each runs three servers and their browsers).
        test: {
          name: 'cluster',
          include: ['test/cluster/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
