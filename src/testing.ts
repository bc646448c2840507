/**
 * An in-memory harness for tests of gateways that use the plugin: real SDK providers with
 * in-memory exporters, wired to an `InitiatorInstrumentation`.
 *
 * @example
 * const harness = createTestHarness();
 * // ... start your gateway in-process and send it a request ...
 * const [span] = harness.interceptionSpans();
 * expect(span.attributes['enduser.id']).toBe(ownerId);
 * expect(await harness.metricPoints('aibridge.interceptions')).toHaveLength(1);
 */
import { context, SpanKind, type Attributes } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  MeterProvider,
  MetricReader,
  type DataPoint,
  type Histogram,
} from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan, type Sampler } from '@opentelemetry/sdk-trace';
import { InitiatorInstrumentation } from './otel/initiator-instrumentation';
import type { InitiatorInstrumentationConfig } from './types';
import { InitiatorSpanProcessor } from './otel/initiator-span-processor';
import { pendingResolutionsSettled } from './otel/pending-resolutions';
import { ATTR_INITIATOR_OVERRIDE } from './otel/semconv';

/** One metric data point, flattened: the value is a number for counters, a histogram otherwise. */
export interface MetricPoint {
  readonly name: string;
  readonly attributes: Attributes;
  readonly value: number | Histogram;
}

export interface TestHarness {
  readonly instrumentation: InitiatorInstrumentation;
  readonly spanExporter: InMemorySpanExporter;
  /** Every span ended since the last reset. */
  finishedSpans(): ReadableSpan[];
  /** The server spans of interceptions ended since the last reset. */
  interceptionSpans(): ReadableSpan[];
  /** Current cumulative points since the last reset, all or those of one instrument. */
  metricPoints(name?: string): Promise<MetricPoint[]>;
  /** Sum of a counter's points whose attributes include `match`. */
  counterValue(name: string, match?: Attributes): Promise<number>;
  /**
   * Resolves once interceptions still waiting on a resolver (a first JWT verification, a resolver
   * module) have ended their spans and recorded their metrics. Await it before reading them.
   */
  settled(): Promise<void>;
  /** Forgets spans and metrics recorded so far. */
  reset(): void;
  /** Unpatches http and shuts the providers down. */
  shutdown(): Promise<void>;
}

/** How the harness's own pipeline is built. */
export interface HarnessOptions {
  /**
   * The tracer provider's sampler, to test sampling rules on the attributes the plugin sets at span start.
   * @default the SDK's default (parent-based, always on)
   */
  readonly sampler?: Sampler;
}

/** A reader that exports nothing on its own: tests pull with `collect()`. */
class PullMetricReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * Creates the harness and patches `http`/`https` in this process. Create one per test file and
 * `reset()` it between tests.
 */
export function createTestHarness(config: InitiatorInstrumentationConfig = {}, options: HarnessOptions = {}): TestHarness {
  // Spans must follow async work to be parented; keep a manager the process already has.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({
    ...(options.sampler !== undefined && { sampler: options.sampler }),
    spanProcessors: [new InitiatorSpanProcessor(), new SimpleSpanProcessor({ exporter: spanExporter })],
  });
  const instrumentation = new InitiatorInstrumentation(config);
  instrumentation.setTracerProvider(tracerProvider);

  let reader = new PullMetricReader();
  let meterProvider = new MeterProvider({ readers: [reader] });
  instrumentation.setMeterProvider(meterProvider);
  instrumentation.enable();
  // Patching happens on require; the host may have loaded http already through `import`.
  require('node:http');
  require('node:https');

  const metricPoints = async (name?: string): Promise<MetricPoint[]> => {
    const { resourceMetrics, errors } = await reader.collect();
    if (errors.length > 0) throw new AggregateError(errors, 'metric collection failed');
    const points: MetricPoint[] = [];
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) {
        if (name !== undefined && metric.descriptor.name !== name) continue;
        for (const point of metric.dataPoints as DataPoint<number | Histogram>[]) {
          points.push({ name: metric.descriptor.name, attributes: point.attributes, value: point.value });
        }
      }
    }
    return points;
  };

  return {
    instrumentation,
    spanExporter,
    finishedSpans: () => spanExporter.getFinishedSpans(),
    interceptionSpans: () =>
      spanExporter.getFinishedSpans().filter((span) => span.attributes[ATTR_INITIATOR_OVERRIDE] !== undefined && span.kind === SpanKind.SERVER),
    metricPoints,
    async counterValue(name, match = {}) {
      let total = 0;
      for (const point of await metricPoints(name)) {
        const matches = Object.entries(match).every(([key, value]) => point.attributes[key] === value);
        if (matches && typeof point.value === 'number') total += point.value;
      }
      return total;
    },
    settled: pendingResolutionsSettled,
    reset() {
      spanExporter.reset();
      void meterProvider.shutdown();
      reader = new PullMetricReader();
      meterProvider = new MeterProvider({ readers: [reader] });
      instrumentation.setMeterProvider(meterProvider);
    },
    async shutdown() {
      instrumentation.disable();
      await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
    },
  };
}
