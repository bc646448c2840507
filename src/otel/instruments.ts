import type { Attributes, Histogram, Meter, ObservableResult } from '@opentelemetry/api';
import { KNOWN_CLIENTS } from '../resolution/clients';
import { REJECTION_REASONS, type Provider, type Resolution } from '../resolution/types';
import { durationMetricAttributes, interceptionMetricAttributes, rejectionMetricAttributes, resolverErrorMetricAttributes } from './attributes';
import {
  INTERCEPTION_DURATION_BUCKETS,
  METRIC_INTERCEPTION_DURATION,
  METRIC_INTERCEPTIONS,
  METRIC_OVERRIDE_REJECTIONS,
  METRIC_RESOLVER_ERRORS,
} from './semconv';

/** The plugin's metrics, recorded once per interception. */
export interface Instruments {
  record(resolution: Resolution, provider: Provider, statusCode: number, durationS: number): void;
}

/**
 * Cumulative counts per attribute set, reported to the SDK when it collects. A counter's `add`
 * hashes its attributes on every call, which was most of the plugin's per-request cost; here the
 * attribute set is built and hashed once per combination (a few dozen: the attributes are an
 * allow-list of low-cardinality values) and each request only increments a number.
 */
class Tally<K extends string | number> {
  readonly #counts = new Map<K, { readonly attributes: Attributes; value: number }>();

  /** Counts one for `key`; false when the combination is new and must be started. */
  increment(key: K): boolean {
    const entry = this.#counts.get(key);
    if (entry === undefined) return false;
    entry.value += 1;
    return true;
  }

  /** A new combination, at `value` (zero reports it before the first count, so a rate sees that one). */
  start(key: K, attributes: Attributes, value: number): void {
    this.#counts.set(key, { attributes: Object.freeze(attributes), value });
  }

  report = (result: ObservableResult): void => {
    for (const { attributes, value } of this.#counts.values()) result.observe(value, attributes);
  };
}

/**
 * Small numbers for the values of one low-cardinality attribute (clients, providers, sources,
 * reasons: closed sets), so that a combination is keyed by one number: building and hashing a
 * string key per request cost more than the counting itself.
 */
class Ordinals {
  readonly #ordinals = new Map<string, number>();

  of(value: string): number {
    let ordinal = this.#ordinals.get(value);
    if (ordinal === undefined) this.#ordinals.set(value, (ordinal = this.#ordinals.size));
    return ordinal;
  }
}

// Radixes of the combination keys: each above the size of its closed set (3 sources, 2 providers,
// 4 rejection reasons; status codes have three digits).
const SOURCE_RADIX = 4;
const PROVIDER_RADIX = 4;
const REASON_RADIX = 8;
const STATUS_RADIX = 1000;

export function createInstruments(meter: Meter): Instruments {
  const clients = new Ordinals();
  const sources = new Ordinals();
  const providers = new Ordinals();
  const reasons = new Ordinals();
  const interceptions = new Tally<number | string>();
  const rejections = new Tally<number>();
  const rejectionKey = (reason: string, client: string) => clients.of(client) * REASON_RADIX + reasons.of(reason);
  // Prometheus' increase() ignores a series' first sample: a rejection counter born at 1 would let
  // the first spoofed header pass unseen. Every reason and client starts at zero instead.
  for (const reason of REJECTION_REASONS) {
    for (const client of KNOWN_CLIENTS) rejections.start(rejectionKey(reason, client), rejectionMetricAttributes({ reason, valueLength: 0 }, client), 0);
  }
  // Keyed by string: resolver errors are rare, and resolver names are not a closed set.
  const resolverErrors = new Tally<string>();
  meter
    .createObservableCounter(METRIC_INTERCEPTIONS, {
      description: 'Interceptions (proxied model calls), by how their initiator was decided.',
      unit: '{interception}',
    })
    .addCallback(interceptions.report);
  meter
    .createObservableCounter(METRIC_OVERRIDE_REJECTIONS, {
      description: 'Owner headers present on an interception but not applied, by reason.',
      unit: '{rejection}',
    })
    .addCallback(rejections.report);
  meter
    .createObservableCounter(METRIC_RESOLVER_ERRORS, {
      description: 'Credentials a resolver knew but could not vouch for (expired or invalid JWT, resolver error or timeout, invalid initiator header).',
      unit: '{error}',
    })
    .addCallback(resolverErrors.report);
  const duration: Histogram = meter.createHistogram(METRIC_INTERCEPTION_DURATION, {
    description: 'Duration of interceptions, from request to the end of the response.',
    unit: 's',
    advice: { explicitBucketBoundaries: [...INTERCEPTION_DURATION_BUCKETS] },
  });
  // By provider ordinal * 2 + override.
  const durationAttributes: Attributes[] = [];

  return {
    record(resolution, provider, statusCode, durationS) {
      const { override, source, client, rejection } = resolution;
      const providerOrdinal = providers.of(provider);
      // Attribute sets are built only for a combination seen for the first time.
      const combination = ((clients.of(client) * SOURCE_RADIX + sources.of(source)) * PROVIDER_RADIX + providerOrdinal) * 2 + (override ? 1 : 0);
      // Node sends only three-digit codes, but a handler can set anything on a response it destroys.
      const key = Number.isInteger(statusCode) && statusCode >= 0 && statusCode < STATUS_RADIX ? combination * STATUS_RADIX + statusCode : `${combination}|${statusCode}`;
      if (!interceptions.increment(key)) interceptions.start(key, interceptionMetricAttributes(resolution, provider, statusCode), 1);
      if (rejection !== undefined) {
        const key = rejectionKey(rejection.reason, client);
        if (!rejections.increment(key)) rejections.start(key, rejectionMetricAttributes(rejection, client), 1);
      }
      for (const error of resolution.resolverErrors) {
        const errorKey = `${error.resolver}|${error.reason}`;
        if (!resolverErrors.increment(errorKey)) resolverErrors.start(errorKey, resolverErrorMetricAttributes(error), 1);
      }
      const durationKey = providerOrdinal * 2 + (override ? 1 : 0);
      const attributes = (durationAttributes[durationKey] ??= Object.freeze(durationMetricAttributes(resolution, provider)));
      duration.record(durationS, attributes);
    },
  };
}
