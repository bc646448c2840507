import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './gateway-process';

/** The demo's entry point, once built. */
export const DEMO_MAIN = join(REPO_ROOT, 'examples/demo/dist/main.js');

/** Compiles the demo against the package's built dist/, as `npm start` does before running it. */
export function buildDemo(): void {
  execFileSync(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'examples/demo'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
