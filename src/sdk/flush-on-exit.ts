import { logs, metrics, trace } from '@opentelemetry/api';
import { recordInFlightAsCutOff } from '../otel/interception-hooks';
import { pluginDiag } from '../otel/plugin-diag';
import { pendingWorkSettled } from '../otel/pending-work';
import { TIMED_OUT, withDeadline } from '../util/deadline';

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
  await pendingWorkSettled();
  const tracerProvider = trace.getTracerProvider() as Flushable & { getDelegate?: () => Flushable };
  const tracer = tracerProvider.getDelegate?.() ?? tracerProvider;
  const meter = metrics.getMeterProvider() as Flushable;
  const logger = logs.getLoggerProvider() as Flushable;
  await Promise.all([tracer.forceFlush?.(), meter.forceFlush?.(), logger.forceFlush?.()]);
}

/**
 * Every flush and shutdown the plugin has started and that has not settled yet. An exit waits for
 * all of them, not only for one it starts itself: the batch span processor's `forceFlush` waits
 * only for the exports that call starts, so a flush finding the queue already emptied by an earlier
 * one returns at once while that earlier export is still on the wire.
 */
const underway = new Set<Promise<void>>();

function begin(work: () => Promise<void>, what: string): Promise<void> {
  const settled = Promise.resolve()
    .then(work)
    .then(
      () => undefined,
      (error: unknown) => pluginDiag.warn(`${what} failed: ${error instanceof Error ? error.message : String(error)}`),
    );
  underway.add(settled);
  void settled.then(() => underway.delete(settled));
  return settled;
}

/**
 * Resolves once nothing the plugin started is underway, including work started during the wait
 * (a second signal, the exit's own flush), or once FLUSH_TIMEOUT_MS have passed since `since`: one
 * bound for the whole wait, however many flushes it spans. The timer is unreferenced so that it
 * never keeps a process alive that has nothing else left to do.
 */
async function underwaySettled(since: number): Promise<void> {
  while (underway.size > 0) {
    const left = since + FLUSH_TIMEOUT_MS - performance.now();
    if ((await withDeadline(Promise.all(underway), left, { unref: true })) === TIMED_OUT) {
      pluginDiag.warn(`telemetry export took longer than ${FLUSH_TIMEOUT_MS} ms; exiting without waiting further`);
      return;
    }
  }
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

let exitHeld = false;
/** Set once the gateway has handled a signal: the exit it then makes exports what it drained. */
let flushAtExit = false;
let shutDown: Promise<void> | undefined;

/**
 * Once the plugin has begun exporting for an exit (a signal, the event loop emptying), a
 * `process.exit(code)` waits (bounded) for every export still underway, after starting one more if
 * the gateway handled a signal, then exits with the same code. A gateway's signal handler commonly
 * exits right away, or after draining its connections: without this, the export the signal began
 * and the spans of what the gateway drained would be cut off. The price, for at most the flush
 * bound: code after the `exit()` call runs, and an exception it throws is ignored rather than
 * changing the exit code the gateway asked for. With nothing to wait for, the exit is immediate.
 */
function holdExits(): void {
  if (exitHeld) return;
  exitHeld = true;
  const exit = process.exit.bind(process);
  let exiting = false;
  const ignoreAfterExit = (): void => {};
  process.exit = (...args: [code?: number | string | null]): never => {
    if (exiting) return undefined as never;
    const since = performance.now();
    // What process.exit does first: an invalid code throws here, to the caller, exactly as it would.
    if (args.length > 0) process.exitCode = args[0];
    const code = process.exitCode;
    // Responses still being sent are cut off by this exit: their records say so, and go out with the rest.
    recordInFlightAsCutOff();
    if (flushAtExit && shutDown === undefined) void begin(flushProviders, 'telemetry flush');
    if (underway.size === 0) return exit(code);
    exiting = true;
    process.on('uncaughtException', ignoreAfterExit);
    void underwaySettled(since).then(() => exit(code));
    return undefined as never;
  };
}

/**
 * Makes sure telemetry leaves the process on SIGTERM, SIGINT and a natural exit, without changing
 * how the gateway exits:
 * - a signal the gateway handles itself: flush at once and leave the exit to the gateway; when it
 *   calls `process.exit`, that exit flushes again and waits for every flush so far (bounded), then
 *   keeps the gateway's exit code. The providers stay up, so requests it drains are still
 *   recorded; a gateway that ends without `process.exit` is shut down at `beforeExit`;
 * - a signal nobody else handles (signal-exit's listeners aside): shut down, wait for that and any
 *   earlier flush (bounded), then re-raise the signal, so the process dies of it exactly as it
 *   would have without the plugin;
 * - the event loop emptying: shut down at `beforeExit`; the exit code is untouched, and a
 *   `process.exit` from another `beforeExit` listener waits for the shutdown (bounded).
 */
export function flushOnExit(shutdown: () => Promise<void>): void {
  const shutdownOnce = (): Promise<void> =>
    (shutDown ??= begin(() => pendingWorkSettled().then(shutdown), 'telemetry shutdown'));
  let reraising = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    const since = performance.now();
    const gatewayHandles = process.listenerCount(signal) - 1 - signalExitListeners() > 0;
    holdExits();
    if (gatewayHandles) {
      flushAtExit = true;
      if (shutDown === undefined) void begin(flushProviders, 'telemetry flush');
      return;
    }
    recordInFlightAsCutOff();
    void shutdownOnce();
    if (reraising) return;
    reraising = true;
    void underwaySettled(since).then(() => {
      for (const s of SIGNALS) process.removeListener(s, onSignal);
      process.kill(process.pid, signal);
    });
  };
  // Ahead of every other listener, even one a module preloaded earlier registered: a listener that
  // exits must find the exit already waiting for what the plugin starts here.
  for (const signal of SIGNALS) process.prependListener(signal, onSignal);
  process.prependOnceListener('beforeExit', () => {
    holdExits();
    void shutdownOnce();
  });
}
