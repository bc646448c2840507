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
class Tally {
  readonly #counts = new Map<string, { readonly attributes: Attributes; value: number }>();

  /** Counts one for `key`; false when the combination is new and must be started. */
  increment(key: string): boolean {
    const entry = this.#counts.get(key);
    if (entry === undefined) return false;
    entry.value += 1;
    return true;
  }

  /** A new combination, at `value` (zero reports it before the first count, so a rate sees that one). */
  start(key: string, attributes: Attributes, value: number): void {
    this.#counts.set(key, { attributes: Object.freeze(attributes), value });
  }

  report = (result: ObservableResult): void => {
    for (const { attributes, value } of this.#counts.values()) result.observe(value, attributes);
  };
}

export function createInstruments(meter: Meter): Instruments {
  const interceptions = new Tally();
  const rejections = new Tally();
  // Prometheus' increase() ignores a series' first sample: a rejection counter born at 1 would let
  // the first spoofed header pass unseen. Every reason and client starts at zero instead.
  for (const reason of REJECTION_REASONS) {
    for (const client of KNOWN_CLIENTS) rejections.start(`${reason}|${client}`, rejectionMetricAttributes({ reason, valueLength: 0 }, client), 0);
  }
  const resolverErrors = new Tally();
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
  const durationAttributes = new Map<string, Attributes>();

  return {
    record(resolution, provider, statusCode, durationS) {
      const { override, source, client, rejection } = resolution;
      // Attribute sets are built only for a combination seen for the first time.
      const key = `${override}|${source}|${provider}|${statusCode}|${client}`;
      if (!interceptions.increment(key)) interceptions.start(key, interceptionMetricAttributes(resolution, provider, statusCode), 1);
      if (rejection !== undefined) {
        const rejectionKey = `${rejection.reason}|${client}`;
        if (!rejections.increment(rejectionKey)) rejections.start(rejectionKey, rejectionMetricAttributes(rejection, client), 1);
      }
      for (const error of resolution.resolverErrors) {
        const errorKey = `${error.resolver}|${error.reason}`;
        if (!resolverErrors.increment(errorKey)) resolverErrors.start(errorKey, resolverErrorMetricAttributes(error), 1);
      }
      const durationKey = `${override}|${provider}`;
      let attributes = durationAttributes.get(durationKey);
      if (attributes === undefined) durationAttributes.set(durationKey, (attributes = Object.freeze(durationMetricAttributes(resolution, provider))));
      duration.record(durationS, attributes);
    },
  };
}
