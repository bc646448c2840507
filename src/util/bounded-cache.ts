/**
 * How many entries each per-credential cache keeps (digests, JWT verdicts, resolver answers): a few
 * thousand users and their service accounts fit, and a flood of distinct tokens cannot grow memory
 * past a few megabytes.
 */
export const CACHE_CAPACITY = 10_000;

/**
 * A map with a size bound and optional per-entry expiry. When full, the oldest entry goes first;
 * expired entries are dropped when met. Lookups on the request path must stay cheap, and memory
 * must not grow with the number of distinct callers.
 */
export class BoundedCache<K, V> {
  readonly #entries = new Map<K, { value: V; expiresAt: number }>();

  constructor(readonly capacity: number) {}

  get(key: K): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt !== Number.POSITIVE_INFINITY && entry.expiresAt <= Date.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Stores `value` until `expiresAt` (milliseconds since the epoch; never by default). */
  set(key: K, value: V, expiresAt: number = Number.POSITIVE_INFINITY): void {
    if (!this.#entries.has(key) && this.#entries.size >= this.capacity) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { value, expiresAt });
  }

  get size(): number {
    return this.#entries.size;
  }
}
