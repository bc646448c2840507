import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Reporter, TestModule, Vitest } from 'vitest/node';

const INSTALL = 'Install them with `apt-get install -y prometheus` (Debian) to run these tests.';

/** Whether the `prometheus` and `promtool` binaries are on the PATH. */
function prometheusFound(): boolean {
  return ['promtool', 'prometheus'].every(
    (binary) => spawnSync(binary, ['--version'], { encoding: 'utf8' }).status === 0,
  );
}

/** Whether the Prometheus binaries are here; CI (REQUIRE_PROMETHEUS=1) insists they are. */
export function prometheusAvailable(): boolean {
  const found = prometheusFound();
  if (!found && process.env.REQUIRE_PROMETHEUS === '1')
    throw new Error('prometheus and promtool are required here (REQUIRE_PROMETHEUS=1): apt-get install -y prometheus');
  if (!found) console.warn(`prometheus/promtool not found: skipping. ${INSTALL}`);
  return found;
}

/** Runs promtool; returns its output, throwing with it when promtool fails. */
export function promtool(args: string[], cwd: string): string {
  return execFileSync('promtool', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
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
