import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** The reference gateway, running as its own process with the plugin preloaded. */
export interface GatewayProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  readonly exited: Promise<number | string>;
}

const PACKAGE_ROOT = join(__dirname, '..', '..');

/**
 * Starts `node --require aibridge-initiator-otel/register dist/demo/gateway.js`, the way an operator
 * starts theirs, and resolves once it listens. The gateway's stderr (plugin warnings included) is
 * passed through, prefixed.
 */
export function startGatewayProcess(env: Readonly<Record<string, string>>): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ['--require', 'aibridge-initiator-otel/register', join(__dirname, 'gateway.js')], {
    cwd: PACKAGE_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    for (const line of chunk.split('\n')) if (line.trim()) process.stderr.write(`  gateway: ${line}\n`);
  });
  return new Promise((resolve, reject) => {
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const match = /gateway listening on (http:\/\/\S+)/.exec(stdout);
      if (match?.[1]) resolve({ url: match[1], child, exited });
    });
    void exited.then((how) => reject(new Error(`the gateway stopped before listening (${how})${stderr ? `: ${stderr.trim().split('\n').at(-1)}` : ''}`)));
  });
}
