import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';
import { PrometheusSkipNote } from './test/support/prometheus-binaries.mts';

// A fresh record for the secret scan, shared by every worker of this run (see test/secret-scan).
process.env.SCAN_DIR ??= mkdtempSync(join(tmpdir(), 'aibridge-secret-scan-'));

export default defineConfig({
  test: {
    // Each file patches http in its own process: instrumentations must not leak across files.
    pool: 'forks',
    // The default summary, then why tests were skipped, if they were (Prometheus not installed).
    reporters: ['default', new PrometheusSkipNote()],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    setupFiles: ['test/support/scan-setup.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'suite',
          include: ['test/**/*.test.ts'],
          exclude: ['test/secret-scan/**'],
          sequence: { groupOrder: 1 },
        },
      },
      {
        // Reads what the whole suite recorded, so it runs once everything else has (group 0 would
        // mean "no order" to vitest, hence 1 and 2).
        extends: true,
        test: { name: 'secret-scan', include: ['test/secret-scan/**/*.test.ts'], sequence: { groupOrder: 2 } },
      },
    ],
  },
});
