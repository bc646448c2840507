import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AggregationTemporality, MeterProvider, MetricReader, type SumMetricData } from '@opentelemetry/sdk-metrics';
import { createInstruments } from '../../src/otel/instruments';
import { BUILT_IN_CLIENTS } from '../../src/resolution/clients';
import { REJECTION_REASONS, type InitiatorSource, type Provider, type Resolution } from '../../src/resolution/types';

// The counters key each combination of attribute values by a number; every distinct combination
// must still be its own series, with its own count and its own attributes.

class Reader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

interface Interception {
  readonly override: boolean;
  readonly source: InitiatorSource;
  readonly client: string;
  readonly provider: Provider;
  readonly statusCode: number;
  readonly reason: (typeof REJECTION_REASONS)[number] | undefined;
  readonly credential: boolean;
}

const interception: fc.Arbitrary<Interception> = fc.record({
  override: fc.boolean(),
  source: fc.constantFrom<InitiatorSource>('owner_header', 'credential', 'none'),
  client: fc.constantFrom(...BUILT_IN_CLIENTS.names),
  provider: fc.constantFrom<Provider>('openai', 'anthropic'),
  // Mostly the codes Node sends, and some a handler may set on a response it destroys.
  statusCode: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(200, 201, 400, 401, 403, 429, 500, 999) },
    { weight: 1, arbitrary: fc.integer({ min: -5, max: 5_000 }) },
  ),
  reason: fc.option(fc.constantFrom(...REJECTION_REASONS), { nil: undefined }),
  credential: fc.boolean(),
});

function resolutionOf(i: Interception): Resolution {
  return {
    initiator: undefined,
    source: i.source,
    override: i.override,
    credentialInitiator: i.credential ? 'key-0123456789abcdef' : undefined,
    client: i.client,
    rejection: i.reason === undefined ? undefined : { reason: i.reason, valueLength: 36 },
    resolverErrors: [],
  };
}

async function collect(recorded: readonly Interception[]): Promise<Map<string, number>> {
  const reader = new Reader();
  const provider = new MeterProvider({ readers: [reader] });
  const instruments = createInstruments(provider.getMeter('test'));
  for (const i of recorded) instruments.record(resolutionOf(i), i.provider, i.statusCode, 0.1);
  const { resourceMetrics } = await reader.collect();
  const series = new Map<string, number>();
  for (const metric of resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics)) {
    if (metric.descriptor.name === 'aibridge.interception.duration') continue;
    for (const point of (metric as SumMetricData).dataPoints) {
      if (point.value === 0) continue;
      series.set(`${metric.descriptor.name} ${JSON.stringify(Object.entries(point.attributes).sort())}`, point.value);
    }
  }
  await provider.shutdown();
  return series;
}

function expected(recorded: readonly Interception[]): Map<string, number> {
  const series = new Map<string, number>();
  const add = (name: string, attributes: Record<string, unknown>) => {
    const key = `${name} ${JSON.stringify(Object.entries(attributes).sort())}`;
    series.set(key, (series.get(key) ?? 0) + 1);
  };
  for (const i of recorded) {
    add('aibridge.interceptions', {
      'initiator.override': i.override,
      'initiator.source': i.source,
      'aibridge.client': i.client,
      'gen_ai.provider.name': i.provider,
      'http.response.status_code': i.statusCode,
    });
    if (i.reason !== undefined)
      add('aibridge.initiator.override.rejections', {
        reason: i.reason,
        'aibridge.client': i.client,
        'initiator.authentication': !i.credential
          ? 'none'
          : i.statusCode === 401 || i.statusCode === 403
            ? 'refused'
            : 'accepted',
      });
  }
  return series;
}

describe('metric combinations', () => {
  it('gives every distinct combination of attribute values its own series and count', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(interception, { minLength: 1, maxLength: 200 }), async (recorded) => {
        expect(await collect(recorded)).toEqual(expected(recorded));
      }),
      { seed: 20261128, numRuns: 300 },
    );
  });

  it('keeps a status code outside three digits apart from the code it would alias', async () => {
    const base = {
      override: true,
      source: 'owner_header',
      client: 'Coder Agents',
      provider: 'openai',
      reason: undefined,
      credential: true,
    } as const;
    // Keyed as three digits, 1200 without the override would land on 200 with it.
    const recorded = [
      { ...base, override: false, statusCode: 1200 },
      { ...base, statusCode: 200 },
    ];
    expect(await collect(recorded)).toEqual(expected(recorded));
  });
});
