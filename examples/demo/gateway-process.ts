import { spawn, type ChildProcess } from 'node:child_process';

export interface GatewayExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A gateway running as its own process, once it listens. */
export interface GatewayProcess {
  readonly child: ChildProcess;
  /** Base URL once listening. */
  readonly url: string;
  /** Whether http's server was patched by the instrumentation when the gateway started listening. */
  readonly instrumented: boolean | undefined;
  stdout(): string;
  stderr(): string;
  /** Resolves with how the process ended. */
  readonly exited: Promise<GatewayExit>;
}

export interface LaunchOptions {
  /** The gateway's script. */
  readonly script: string;
  /** How the plugin is preloaded; `none` starts the gateway without it. */
  readonly preload: '--require' | '--import' | 'none';
  /** The Node binary; the current one by default. */
  readonly node?: string;
  /** Node options, e.g. --expose-gc. */
  readonly nodeArgs?: readonly string[];
  /** Arguments for the gateway itself. */
  readonly args?: readonly string[];
  /** Where `aibridge-initiator-otel/register` resolves from: inside the package or a project that installed it. */
  readonly cwd: string;
  /** The gateway's whole environment. */
  readonly env: NodeJS.ProcessEnv;
  /** For gateways that do not announce `listening <port>`: what they print when ready, and their URL. */
  readonly ready?: { readonly pattern: RegExp; readonly url: string };
  /** Sees the gateway's stderr as it comes. */
  readonly onStderr?: (chunk: string) => void;
  /** Sees all the gateway printed, once it has ended (before `exited` resolves). */
  readonly onExit?: (output: { stdout: string; stderr: string }) => void;
}

/**
 * Starts a gateway as its own process, exactly as an operator would:
 * `node --require aibridge-initiator-otel/register gateway.cjs`, the plugin resolved by package
 * name. `started` resolves once the gateway announces `listening <port> instrumented=<bool>`, and
 * rejects if it ends before.
 */
export function launchGateway(options: LaunchOptions): {
  child: ChildProcess;
  started: Promise<GatewayProcess>;
  exited: Promise<GatewayExit>;
  output: () => { stdout: string; stderr: string };
} {
  const preloadArgs = options.preload === 'none' ? [] : [options.preload, 'aibridge-initiator-otel/register'];
  const child = spawn(
    options.node ?? process.execPath,
    [...(options.nodeArgs ?? []), ...preloadArgs, options.script, ...(options.args ?? [])],
    {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    options.onStderr?.(chunk);
  });
  const exited = new Promise<GatewayExit>((resolve) =>
    child.on('close', (code, signal) => {
      options.onExit?.({ stdout, stderr });
      resolve({ code, signal });
    }),
  );
  const running = (url: string, instrumented: boolean | undefined): GatewayProcess => ({
    child,
    url,
    instrumented,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
  });
  const started = new Promise<GatewayProcess>((resolve, reject) => {
    const onData = () => {
      const { ready } = options;
      if (ready !== undefined) {
        if (!ready.pattern.test(stdout)) return;
        child.stdout.off('data', onData);
        resolve(running(ready.url, undefined));
        return;
      }
      const match = /listening (\d+) instrumented=(true|false)/.exec(stdout);
      if (!match) return;
      child.stdout.off('data', onData);
      resolve(running(`http://127.0.0.1:${match[1]}`, match[2] === 'true'));
    };
    child.stdout.on('data', onData);
    child.on('error', reject);
    void exited.then(({ code, signal }) =>
      reject(new Error(`gateway exited (${code ?? signal}) before listening: ${stderr}`)),
    );
  });
  return { child, started, exited, output: () => ({ stdout, stderr }) };
}

/** Stops the gateway with SIGTERM (SIGKILL if it is still there after `graceMs`); resolves with how it ended. */
export async function stopGateway(
  child: ChildProcess,
  exited: Promise<GatewayExit>,
  graceMs = 10_000,
): Promise<GatewayExit> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}
