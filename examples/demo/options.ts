/** How `npm start` was asked to run. */
export interface DemoOptions {
  /** Exit after the summary instead of keeping the gateway up. */
  readonly once: boolean;
  /** The gateway's port; 0 picks a free one. */
  readonly port: number;
  /** The plugin's Prometheus endpoint port. */
  readonly metricsPort: number;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `usage: npm start -- [--once] [--port <port>] [--metrics-port <port>]
  --once                 exit after the summary (default: keep the gateway running)
  --port <port>          the gateway's port (default 8787; 0 picks a free one)
  --metrics-port <port>  the Prometheus endpoint's port (default 9464)
environment: UPSTREAM_OPENAI_URL, UPSTREAM_ANTHROPIC_URL point the gateway at real providers
             (with OPENAI_API_KEY, ANTHROPIC_API_KEY); otherwise a built-in mock answers.`;

export function parseOptions(argv: readonly string[]): DemoOptions {
  let once = false;
  let port = 8787;
  let metricsPort = 9464;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--once') once = true;
    else if (arg === '--port') port = portValue(arg, argv[++i]);
    else if (arg === '--metrics-port') metricsPort = portValue(arg, argv[++i]);
    else throw new UsageError(`unknown argument "${arg}"`);
  }
  if (metricsPort === 0)
    throw new UsageError('--metrics-port needs a fixed port: the Prometheus endpoint cannot report one it picked');
  if (port !== 0 && port === metricsPort) throw new UsageError(`--port and --metrics-port are both ${port}`);
  return { once, port, metricsPort };
}

function portValue(flag: string, value: string | undefined): number {
  const port = Number(value);
  if (value === undefined || !/^\d+$/.test(value) || port > 65535)
    throw new UsageError(`${flag} needs a port number (0-65535), got "${value ?? ''}"`);
  return port;
}
