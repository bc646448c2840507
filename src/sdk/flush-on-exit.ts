import { metrics, trace } from '@opentelemetry/api';
import { pluginDiag } from '../otel/guard';

/** How long the plugin may hold up an exit to export what it has. */
export const FLUSH_TIMEOUT_MS = 5_000;

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

interface Flushable {
  forceFlush?: () => Promise<void>;
}

/** Exports everything the global providers hold, without shutting them down. */
export async function flushProviders(): Promise<void> {
  const tracerProvider = trace.getTracerProvider() as Flushable & { getDelegate?: () => Flushable };
  const tracer = tracerProvider.getDelegate?.() ?? tracerProvider;
  const meter = metrics.getMeterProvider() as Flushable;
  await Promise.all([tracer.forceFlush?.(), meter.forceFlush?.()]);
}

function bounded(work: Promise<void>, what: string): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      pluginDiag.warn(`${what} took longer than ${FLUSH_TIMEOUT_MS} ms; exiting without waiting further`);
      resolve();
    }, FLUSH_TIMEOUT_MS);
    timer.unref();
    work.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      (error: unknown) => {
        clearTimeout(timer);
        pluginDiag.warn(`${what} failed: ${error instanceof Error ? error.message : String(error)}`);
        resolve();
      },
    );
  });
}

/**
 * Holds a `process.exit(code)` made while `flushing` is pending until it settles, then exits with
 * the same code. A gateway's signal handler commonly exits a few milliseconds after the signal,
 * before any export could leave; this is what lets its telemetry out. Installed only once a
 * signal has arrived, and removed at the first call.
 */
function deferExitUntil(flushing: Promise<void>): void {
  const exit = process.exit;
  let settled = false;
  void flushing.then(() => {
    settled = true;
    if (process.exit === deferredExit) process.exit = exit;
  });
  const deferredExit = ((code?: number | string | null) => {
    process.exit = exit;
    if (settled) return exit.call(process, code);
    void flushing.then(() => exit.call(process, code));
    return undefined as never;
  }) as typeof process.exit;
  process.exit = deferredExit;
}

/**
 * Makes sure telemetry leaves the process on SIGTERM, SIGINT and a natural exit, without changing
 * how the gateway exits:
 * - a signal the gateway handles itself: flush at once and leave the exit to the gateway; if the
 *   gateway calls `process.exit` before the flush is done, that exit waits for it (bounded), with
 *   the gateway's exit code. The providers stay up, so requests it drains are still recorded;
 *   they are shut down at `beforeExit`;
 * - a signal nobody else handles: shut down (bounded), then re-raise the signal with the default
 *   disposition, so the process dies of it exactly as it would have without the plugin;
 * - the event loop emptying: shut down (bounded) at `beforeExit`; the exit code is untouched.
 */
export function flushOnExit(shutdown: () => Promise<void>): void {
  let shutDown: Promise<void> | undefined;
  const shutdownOnce = (): Promise<void> => (shutDown ??= bounded(shutdown(), 'telemetry shutdown'));

  const onSignal = (signal: NodeJS.Signals): void => {
    const gatewayHandles = process.listenerCount(signal) > 1;
    if (gatewayHandles) {
      deferExitUntil(bounded(flushProviders(), 'telemetry flush'));
      return;
    }
    void shutdownOnce().then(() => {
      for (const s of SIGNALS) process.removeListener(s, onSignal);
      process.kill(process.pid, signal);
    });
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);

  process.once('beforeExit', () => {
    void shutdownOnce();
  });
}
