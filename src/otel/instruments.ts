import type { Counter, Histogram, Meter } from '@opentelemetry/api';
import {
  INTERCEPTION_DURATION_BUCKETS,
  METRIC_INTERCEPTION_DURATION,
  METRIC_INTERCEPTIONS,
  METRIC_OVERRIDE_REJECTIONS,
  METRIC_RESOLVER_ERRORS,
} from './semconv';

/** The plugin's three instruments. */
export interface Instruments {
  readonly interceptions: Counter;
  readonly rejections: Counter;
  readonly duration: Histogram;
  readonly resolverErrors: Counter;
}

export function createInstruments(meter: Meter): Instruments {
  return {
    interceptions: meter.createCounter(METRIC_INTERCEPTIONS, {
      description: 'Interceptions (proxied model calls), by how their initiator was decided.',
      unit: '{interception}',
    }),
    rejections: meter.createCounter(METRIC_OVERRIDE_REJECTIONS, {
      description: 'Owner headers present on an interception but not applied, by reason.',
      unit: '{rejection}',
    }),
    duration: meter.createHistogram(METRIC_INTERCEPTION_DURATION, {
      description: 'Duration of interceptions, from request to the end of the response.',
      unit: 's',
      advice: { explicitBucketBoundaries: [...INTERCEPTION_DURATION_BUCKETS] },
    }),
    resolverErrors: meter.createCounter(METRIC_RESOLVER_ERRORS, {
      description: 'Credentials a resolver knew but could not vouch for (expired or invalid JWT, resolver error or timeout, invalid initiator header).',
      unit: '{error}',
    }),
  };
}
