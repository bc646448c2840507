import { execFileSync } from 'node:child_process';
import { INSTALL, prometheusFound } from './prometheus-binaries.mts';

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
