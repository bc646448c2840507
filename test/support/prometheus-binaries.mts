// Loaded by vitest.config.mts as it is, before any transform: plain ESM with types Node strips.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Reporter, TestModule, Vitest } from 'vitest/node';

export const INSTALL = 'Install them with `apt-get install -y prometheus` (Debian) to run these tests.';

/** Whether the `prometheus` and `promtool` binaries are on the PATH. */
export function prometheusFound(): boolean {
  return ['promtool', 'prometheus'].every(
    (binary) => spawnSync(binary, ['--version'], { encoding: 'utf8' }).status === 0,
  );
}

/**
 * A reporter that repeats, after the run's summary, why tests needing Prometheus were skipped:
 * the warning their files print is lost among the other files' output by then.
 */
export class PrometheusSkipNote implements Reporter {
  #vitest: Vitest | undefined;

  onInit(vitest: Vitest): void {
    this.#vitest = vitest;
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    if (prometheusFound()) return;
    let skipped = 0;
    for (const module of testModules) {
      if (!/support\/prometheus['"]/.test(readFileSync(module.moduleId, 'utf8'))) continue;
      skipped += [...module.children.allTests('skipped')].length;
    }
    if (skipped === 0) return;
    const note = `${skipped} test${skipped === 1 ? '' : 's'} skipped: prometheus/promtool not found. ${INSTALL}`;
    (this.#vitest?.logger ?? console).log(`\n ${note}\n`);
  }
}
