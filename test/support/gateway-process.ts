import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { launchGateway, type GatewayExit, type GatewayProcess } from '../../examples/demo/gateway-process';
import { recordOutput } from './scan';

export type { GatewayProcess };

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

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
    OTEL_LOGS_EXPORTER: 'otlp',
    // Long enough that only the shutdown flush can deliver the metrics in a test's lifetime.
    OTEL_METRIC_EXPORT_INTERVAL: '60000',
    OTEL_NODE_RESOURCE_DETECTORS: 'none',
    OTEL_SERVICE_NAME: 'e2e-gateway',
  };
}

/**
 * Starts a fixture gateway as its own process, exactly as an operator would:
 * `node --require aibridge-initiator-otel/register gateway.cjs`, resolved by package name. It runs
 * on AIBRIDGE_TEST_GATEWAY_NODE when set (another Node version to check), else on this Node.
 */
export function spawnGateway({ entry, preload, env = {}, nodeArgs = [], args = [], ready }: SpawnOptions): {
  started: Promise<GatewayProcess>;
  exited: Promise<GatewayExit>;
  output: () => { stdout: string; stderr: string };
} {
  return launchGateway({
    script: entry.startsWith('/') ? entry : FIXTURES + entry,
    preload,
    node: process.env.AIBRIDGE_TEST_GATEWAY_NODE || process.execPath,
    nodeArgs,
    args,
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    ...(ready !== undefined && { ready }),
    onExit: ({ stdout, stderr }) => recordOutput('process', `${stdout}\n${stderr}`),
  });
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
