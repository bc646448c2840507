// Resolutions still waiting on a resolver, so that an exit (or a test) can let them finish first.
const unsettled = new Set<Promise<unknown>>();

/** Tracks a resolution until it settles. */
export function trackPendingResolution(settled: Promise<unknown>): void {
  unsettled.add(settled);
  void settled.finally(() => unsettled.delete(settled));
}

/**
 * Resolves once every resolution that is waiting now has settled and what depends on it (span
 * attributes and ends, metric points) has run. Bounded by the resolver timeout.
 */
export async function pendingResolutionsSettled(): Promise<void> {
  await Promise.allSettled([...unsettled]);
  await new Promise((resolve) => setImmediate(resolve));
}
