// Work an interception's telemetry still waits on after its response: a resolver's answer, the
// usage of a body still being decompressed. An exit (or a test) lets it finish first.
const unsettled = new Set<Promise<unknown>>();

/** Tracks work until it settles. */
export function trackPending(settled: Promise<unknown>): void {
  unsettled.add(settled);
  void settled.finally(() => unsettled.delete(settled));
}

/**
 * Resolves once everything pending now has settled and what depends on it (span attributes and
 * ends, metric points) has run. Bounded by the resolver timeout and the usage readers' bounds.
 */
export async function pendingWorkSettled(): Promise<void> {
  await Promise.allSettled([...unsettled]);
  await new Promise((resolve) => setImmediate(resolve));
}
