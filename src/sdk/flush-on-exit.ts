import { metrics, trace } from '@opentelemetry/api';
import { pluginDiag } from '../otel/plugin-diag';
import { pendingResolutionsSettled } from '../otel/pending-resolutions';

/** How long the plugin may hold up an exit to export what it has. */
export const FLUSH_TIMEOUT_MS = 5_000;

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

interface Flushable {
  forceFlush?: () => Promise<void>;
}

/**
 * Exports everything the global providers hold, without shutting them down, once interceptions
 * still waiting on a resolver have their final attributes and metric points.
 */
export async function flushProviders(): Promise<void> {
  await pendingResolutionsSettled();
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
 * signal-exit (a dependency of many libraries) re-raises a signal only when its own listeners are
 * the only ones; those listeners announce themselves through a counter on a global. They are not
 * the gateway handling the signal.
 */
function signalExitListeners(): number {
  const v4 = (globalThis as Record<symbol, { count?: unknown } | undefined>)[Symbol.for('signal-exit emitter')];
  const v3 = (process as { __signal_exit_emitter__?: { count?: unknown } }).__signal_exit_emitter__;
  return (typeof v4?.count === 'number' ? v4.count : 0) + (typeof v3?.count === 'number' ? v3.count : 0);
}

let exitArmed = false;

/**
 * From the first signal the gateway handles on, a `process.exit(code)` flushes first (bounded),
 * then exits with the same code. A gateway's signal handler commonly exits right away, or after
 * draining its connections, and the spans of what it drained would still be queued; this is what
 * lets them out. The price, for at most the flush bound: code after the `exit()` call runs, and an
 * exception it throws is ignored rather than changing the exit code the gateway asked for.
 */
function flushBeforeExit(): void {
  if (exitArmed) return;
  exitArmed = true;
  const exit = process.exit;
  let exiting = false;
  const ignoreAfterExit = (): void => {};
  process.exit = ((code?: number | string | null) => {
    if (exiting) return undefined as never;
    exiting = true;
    process.on('uncaughtException', ignoreAfterExit);
    void bounded(flushProviders(), 'telemetry flush').then(() => exit.call(process, code));
    return undefined as never;
  }) as typeof process.exit;
}

/**
 * Makes sure telemetry leaves the process on SIGTERM, SIGINT and a natural exit, without changing
 * how the gateway exits:
 * - a signal the gateway handles itself: flush at once and leave the exit to the gateway; when it
 *   calls `process.exit`, that exit flushes again first (bounded), with the gateway's exit code.
 *   The providers stay up, so requests it drains are still recorded; a gateway that ends without
 *   `process.exit` is shut down at `beforeExit`;
 * - a signal nobody else handles (signal-exit's listeners aside): shut down (bounded), then
 *   re-raise the signal, so the process dies of it exactly as it would have without the plugin;
 * - the event loop emptying: shut down (bounded) at `beforeExit`; the exit code is untouched.
 */
export function flushOnExit(shutdown: () => Promise<void>): void {
  let shutDown: Promise<void> | undefined;
  const shutdownOnce = (): Promise<void> =>
    (shutDown ??= bounded(pendingResolutionsSettled().then(shutdown), 'telemetry shutdown'));
  const onSignal = (signal: NodeJS.Signals): void => {
    const gatewayHandles = process.listenerCount(signal) - 1 - signalExitListeners() > 0;
    if (gatewayHandles) {
      void bounded(flushProviders(), 'telemetry flush');
      flushBeforeExit();
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
