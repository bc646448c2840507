import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { recordOutput } from './scan';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

export interface GatewayProcess {
  readonly child: ChildProcess;
  /** Base URL once listening. */
  readonly url: string;
  /** Whether http's server was patched by the instrumentation when the gateway started listening. */
  readonly instrumented: boolean | undefined;
  stdout(): string;
  stderr(): string;
  /** Resolves with how the process ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface SpawnOptions {
  /** A fixture (relative to test/fixtures) or an absolute path. */
  entry: string;
  /** Arguments for the gateway itself. */
  args?: string[];
  /** For gateways that do not announce `listening <port>`: what they print when ready, and their URL. */
  ready?: { pattern: RegExp; url: string };
  /** How the plugin is preloaded; `none` starts the gateway without it, for comparison. */
  preload: '--require' | '--import' | 'none';
  env?: Record<string, string>;
  /** Extra Node options, e.g. --expose-gc. */
  nodeArgs?: string[];
}

/** Base environment: everything goes to loopback, nothing to the machine's defaults. */
export function otlpEnv(receiverUrl: string): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_METRICS_EXPORTER: 'otlp',
    OTEL_LOGS_EXPORTER: 'none',
    // Long enough that only the shutdown flush can deliver the metrics in a test's lifetime.
    OTEL_METRIC_EXPORT_INTERVAL: '60000',
    OTEL_NODE_RESOURCE_DETECTORS: 'none',
    OTEL_SERVICE_NAME: 'e2e-gateway',
  };
}

/**
 * Starts a fixture gateway as its own process, exactly as an operator would:
 * `node --require aibridge-initiator-otel/register gateway.cjs`, resolved by package name.
 */
export function spawnGateway({ entry, preload, env = {}, nodeArgs = [], args = [], ready }: SpawnOptions): {
  started: Promise<GatewayProcess>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: () => { stdout: string; stderr: string };
} {
  const preloadArgs = preload === 'none' ? [] : [preload, 'aibridge-initiator-otel/register'];
  const script = entry.startsWith('/') ? entry : FIXTURES + entry;
  const child = spawn(process.execPath, [...nodeArgs, ...preloadArgs, script, ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      recordOutput('process', `${stdout}\n${stderr}`);
      resolve({ code, signal });
    }),
  );
  const started = new Promise<GatewayProcess>((resolve, reject) => {
    const onData = () => {
      if (ready !== undefined) {
        if (!ready.pattern.test(stdout)) return;
        child.stdout.off('data', onData);
        resolve({ child, url: ready.url, instrumented: undefined, stdout: () => stdout, stderr: () => stderr, exited });
        return;
      }
      const match = /listening (\d+) instrumented=(true|false)/.exec(stdout);
      if (!match) return;
      child.stdout.off('data', onData);
      resolve({ child, url: `http://127.0.0.1:${match[1]}`, instrumented: match[2] === 'true', stdout: () => stdout, stderr: () => stderr, exited });
    };
    child.stdout.on('data', onData);
    void exited.then(({ code, signal }) => reject(new Error(`gateway exited (${code ?? signal}) before listening: ${stderr}`)));
  });
  return { started, exited, output: () => ({ stdout, stderr }) };
}

/** A port free on loopback right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
