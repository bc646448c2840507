import { metrics, trace } from '@opentelemetry/api';
import { pluginDiag } from '../otel/guard';
import { pendingResolutionsSettled } from '../otel/interception-hooks';

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

/**
 * Holds a `process.exit(code)` made while `flushing` is pending until it settles, then exits with
 * the same code. A gateway's signal handler commonly exits a few milliseconds after the signal,
 * before any export could leave; this is what lets its telemetry out. The price, for at most the
 * flush bound: code after the `exit()` call runs, and an exception it throws is ignored rather
 * than changing the exit code the gateway asked for.
 */
function deferExitUntil(flushing: Promise<void>): void {
  const exit = process.exit;
  let exiting = false;
  const ignoreAfterExit = (): void => {};
  const deferredExit = ((code?: number | string | null) => {
    if (exiting) return undefined as never;
    exiting = true;
    process.on('uncaughtException', ignoreAfterExit);
    void flushing.then(() => exit.call(process, code));
    return undefined as never;
  }) as typeof process.exit;
  process.exit = deferredExit;
  void flushing.then(() => {
    if (process.exit === deferredExit && !exiting) process.exit = exit;
  });
}

/**
 * Makes sure telemetry leaves the process on SIGTERM, SIGINT and a natural exit, without changing
 * how the gateway exits:
 * - a signal the gateway handles itself: flush at once and leave the exit to the gateway; if the
 *   gateway calls `process.exit` before the flush is done, that exit waits for it (bounded), with
 *   the gateway's exit code. The providers stay up, so requests it drains are still recorded;
 *   they are shut down at `beforeExit`;
 * - a signal nobody else handles (signal-exit's listeners aside): shut down (bounded), then
 *   re-raise the signal, so the process dies of it exactly as it would have without the plugin;
 * - the event loop emptying: shut down (bounded) at `beforeExit`; the exit code is untouched.
 */
export function flushOnExit(shutdown: () => Promise<void>): void {
  let shutDown: Promise<void> | undefined;
  const shutdownOnce = (): Promise<void> =>
    (shutDown ??= bounded(pendingResolutionsSettled().then(shutdown), 'telemetry shutdown'));
  let flushing: Promise<void> | undefined;

  const onSignal = (signal: NodeJS.Signals): void => {
    const gatewayHandles = process.listenerCount(signal) - 1 - signalExitListeners() > 0;
    if (gatewayHandles) {
      // A second signal while the first flush runs changes nothing.
      if (flushing === undefined) {
        flushing = bounded(flushProviders(), 'telemetry flush');
        deferExitUntil(flushing);
        void flushing.then(() => (flushing = undefined));
      }
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
