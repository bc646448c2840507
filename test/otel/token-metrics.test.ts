import { describe, expect, it } from 'vitest';
import { AggregationTemporality, MeterProvider, MetricReader, type SumMetricData } from '@opentelemetry/sdk-metrics';
import { createInstruments } from '../../src/otel/instruments';
import type { Resolution } from '../../src/resolution/types';

class Reader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

const RESOLUTION: Resolution = {
  initiator: 'alice',
  source: 'credential',
  override: false,
  credentialInitiator: 'alice',
  client: 'Claude Code',
  rejection: undefined,
  resolverErrors: [],
};

async function tokenPoints(record: (instruments: ReturnType<typeof createInstruments>) => void) {
  const reader = new Reader();
  const provider = new MeterProvider({ readers: [reader] });
  record(createInstruments(provider.getMeter('test')));
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  const metric = resourceMetrics.scopeMetrics
    .flatMap((scope) => scope.metrics)
    .find((m) => m.descriptor.name === 'aibridge.tokens') as SumMetricData | undefined;
  return metric?.dataPoints ?? [];
}

describe('aibridge.tokens', () => {
  it('adds each interception to its own combination, per token type', async () => {
    const points = await tokenPoints((instruments) => {
      instruments.recordUsage(RESOLUTION, 'anthropic', 'claude-sonnet-4-5', {
        inputTokens: 110,
        outputTokens: 7,
        cacheReadInputTokens: 90,
        cacheCreationInputTokens: 10,
      });
      instruments.recordUsage(RESOLUTION, 'anthropic', 'claude-sonnet-4-5', { inputTokens: 5, outputTokens: 3 });
      instruments.recordUsage(
        { ...RESOLUTION, override: true, source: 'owner_header' },
        'anthropic',
        'claude-sonnet-4-5',
        { inputTokens: 1, outputTokens: 1 },
      );
    });
    const byType = (override: boolean) =>
      Object.fromEntries(
        points
          .filter((p) => p.attributes['initiator.override'] === override)
          .map((p): [string, number] => [String(p.attributes['gen_ai.token.type']), p.value]),
      );
    expect(byType(false)).toEqual({ input: 15, cache_read: 90, cache_creation: 10, output: 10 });
    expect(byType(true)).toEqual({ input: 1, cache_read: 0, cache_creation: 0, output: 1 });
  });

  it('gives the first 100 models their own series and counts the rest as _OTHER', async () => {
    const points = await tokenPoints((instruments) => {
      for (let i = 0; i < 130; i++)
        instruments.recordUsage(RESOLUTION, 'openai', `model-${i}`, { inputTokens: 1, outputTokens: 0 });
      // A model admitted before the cap keeps its series after it.
      instruments.recordUsage(RESOLUTION, 'openai', 'model-3', { inputTokens: 1, outputTokens: 0 });
    });
    const input = points.filter((p) => p.attributes['gen_ai.token.type'] === 'input');
    const models = new Set(input.map((p) => p.attributes['gen_ai.response.model']));
    expect(models.size).toBe(101);
    expect(input.find((p) => p.attributes['gen_ai.response.model'] === '_OTHER')?.value).toBe(30);
    expect(input.find((p) => p.attributes['gen_ai.response.model'] === 'model-3')?.value).toBe(2);
    expect(input.reduce((sum, p) => sum + p.value, 0)).toBe(131);
  });

  it('leaves the model out when the response named none', async () => {
    const points = await tokenPoints((instruments) =>
      instruments.recordUsage(RESOLUTION, 'openai', undefined, { inputTokens: 4, outputTokens: 2 }),
    );
    expect(points).toHaveLength(4);
    for (const point of points) expect(point.attributes['gen_ai.response.model']).toBeUndefined();
  });
});
