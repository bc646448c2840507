/**
 * An in-memory harness for tests of gateways that use the plugin: real SDK providers with
 * in-memory exporters, wired to an `InitiatorInstrumentation`.
 *
 * @example
 * const harness = createTestHarness(); // before your gateway handles a request
 * // ... start your gateway (and a mock provider) in this process, send it a request ...
 * await harness.settled();
 * const [span] = harness.interceptionSpans();
 * expect(span.attributes['enduser.id']).toBe(ownerId);
 * expect(await harness.counterValue('aibridge.interceptions', { 'initiator.override': true })).toBe(1);
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { context, SpanKind, trace, type Attributes, type Context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  MeterProvider,
  MetricReader,
  type DataPoint,
  type Histogram,
} from '@opentelemetry/sdk-metrics';
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
  type ReadableLogRecord,
} from '@opentelemetry/sdk-logs';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import {
  AlwaysOnSampler,
  InMemorySpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TracerProvider,
  type ReadableSpan,
  type Sampler,
  type Span,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { InitiatorInstrumentation } from './otel/initiator-instrumentation';
import type { InitiatorInstrumentationConfig } from './types';
import { InitiatorSpanProcessor } from './otel/initiator-span-processor';
import { pendingWorkSettled } from './otel/pending-work';
import { requireHttpModules } from './otel/require-http';
import { SignalSampler } from './otel/signal-sampler';
import {
  ATTR_AIBRIDGE_STREAMING,
  ATTR_AIBRIDGE_USAGE_UNAVAILABLE,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  ATTR_INITIATOR_OVERRIDE,
  EVENT_INTERCEPTION,
} from './otel/semconv';

/** One metric data point, flattened: the value is a number for counters, a histogram otherwise. */
export interface MetricPoint {
  readonly name: string;
  readonly attributes: Attributes;
  readonly value: number | Histogram;
}

export interface TestHarness {
  readonly instrumentation: InitiatorInstrumentation;
  readonly spanExporter: InMemorySpanExporter;
  /**
   * Every span ended since the last reset. Requests this process sends while serving one (a
   * gateway's calls to a mock provider in the same process) are not traced on the receiving side.
   */
  finishedSpans(): ReadableSpan[];
  /** The server spans of interceptions ended since the last reset. */
  interceptionSpans(): ReadableSpan[];
  /** What each of `interceptionSpans()` says of its response's model and usage, in the same order. */
  interceptionUsage(): InterceptionUsage[];
  /** The interception records (log records `aibridge.interception`) emitted since the last reset. */
  interceptionRecords(): ReadableLogRecord[];
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

/** An interception's usage as its span records it; each field undefined when the response did not say. */
export interface InterceptionUsage {
  readonly model: string | undefined;
  readonly inputTokens: number | undefined;
  readonly outputTokens: number | undefined;
  readonly cacheReadInputTokens: number | undefined;
  readonly cacheCreationInputTokens: number | undefined;
  readonly reasoningOutputTokens: number | undefined;
  readonly streaming: boolean | undefined;
  /** Why a successful interception's usage could not be read: `missing`, `truncated`, ... */
  readonly unavailable: string | undefined;
}

/** How the harness's own pipeline is built. */
export interface HarnessOptions {
  /**
   * The tracer provider's sampler, to test sampling rules on the attributes the plugin sets at span
   * start. Interceptions carrying the `alwaysSample` signal are sampled whatever it decides, as with
   * `register`.
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
 * Recognises the requests this process sends to itself while serving one: a gateway's calls to a
 * mock provider running in the same test process. In production the provider is another process,
 * and the gateway never records its server spans or counts its requests; in one process, a
 * provider listening on an interception path (`/v1/chat/completions`) would be one more
 * interception, recorded before the gateway's own. Such requests are left untraced, as
 * `ignoreIncomingRequestHook` leaves a request.
 *
 * A request is the gateway's own when this process sent it while serving a request (inside a
 * server span, or a span started under one), with `http.request` or `fetch` over plain HTTP (as a
 * mock provider is reached; TLS connections are not recognised). It is told apart per request, not
 * per connection, since a kept-alive connection carries the gateway's calls and the test's own
 * alike. The requests a test sends to its gateway are sent outside, so the gateway's
 * interceptions are recorded as in production.
 */
class OnwardCalls implements SpanProcessor {
  // Spans of requests this process serves, and every span started under one.
  readonly #serving = new WeakSet<object>();
  // This process's client connections, once connected, by their four-tuple as their server sees it.
  readonly #connections = new Map<string, Socket>();
  // Connections whose current request was sent while serving one.
  readonly #carryingOnward = new WeakSet<Socket>();
  // fetch requests sent while serving one, until their headers go out on a connection.
  readonly #onwardFetches = new WeakSet<object>();

  readonly #subscriptions: [channel: string, onMessage: (message: never) => void][] = [
    [
      'net.client.socket',
      ({ socket }: { socket: Socket }) => {
        // Its address is known once connected, and its server can read a request only after that.
        socket.once('connect', () => {
          const key = fourTuple(socket.remoteAddress, socket.remotePort, socket.localAddress, socket.localPort);
          this.#connections.set(key, socket);
          socket.once('close', () => {
            if (this.#connections.get(key) === socket) this.#connections.delete(key);
          });
        });
      },
    ],
    [
      // http.request: published as it returns, in the caller's context, before it has a connection.
      'http.client.request.created',
      ({ request }: { request: ClientRequest }) => {
        const onward = this.#whileServing();
        request.once('socket', (socket: Socket) => this.#carries(socket, onward));
      },
    ],
    [
      'undici:request:create',
      ({ request }: { request: object }) => {
        if (this.#whileServing()) this.#onwardFetches.add(request);
      },
    ],
    [
      'undici:client:sendHeaders',
      ({ request, socket }: { request: object; socket: Socket }) =>
        this.#carries(socket, this.#onwardFetches.has(request)),
    ],
  ];

  constructor() {
    for (const [channel, onMessage] of this.#subscriptions) subscribe(channel, onMessage as (message: unknown) => void);
  }

  /** Whether a request came from this process, sent while it was serving a request. */
  isOnward(request: IncomingMessage): boolean {
    const socket = request.socket as Socket | undefined;
    if (socket === undefined) return false;
    const client = this.#connections.get(
      fourTuple(socket.localAddress, socket.localPort, socket.remoteAddress, socket.remotePort),
    );
    return client !== undefined && this.#carryingOnward.has(client);
  }

  #whileServing(): boolean {
    const active = trace.getSpan(context.active());
    return active !== undefined && this.#serving.has(active);
  }

  #carries(socket: Socket, onward: boolean): void {
    if (onward) this.#carryingOnward.add(socket);
    else this.#carryingOnward.delete(socket);
  }

  onStart(span: Span, parentContext: Context): void {
    const parent = trace.getSpan(parentContext);
    if (span.kind === SpanKind.SERVER || (parent !== undefined && this.#serving.has(parent))) this.#serving.add(span);
  }

  onEnd(): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    for (const [channel, onMessage] of this.#subscriptions)
      unsubscribe(channel, onMessage as (message: unknown) => void);
    this.#connections.clear();
    return Promise.resolve();
  }
}

/** A connection's four-tuple, server end first; IPv4 the same whether or not mapped into IPv6. */
function fourTuple(serverAddress = '', serverPort = 0, clientAddress = '', clientPort = 0): string {
  const bare = (address: string) => address.replace(/^::ffff:/i, '');
  return `${bare(serverAddress)} ${serverPort} ${bare(clientAddress)} ${clientPort}`;
}

/**
 * Creates the harness and patches `http`/`https` in this process. Create one per test file and
 * `reset()` it between tests.
 */
export function createTestHarness(
  config: InitiatorInstrumentationConfig = {},
  options: HarnessOptions = {},
): TestHarness {
  // Spans must follow async work to be parented; keep a manager the process already has.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

  const spanExporter = new InMemorySpanExporter();
  const onward = new OnwardCalls();
  const tracerProvider = new TracerProvider({
    sampler: new SignalSampler(options.sampler ?? new ParentBasedSampler({ root: new AlwaysOnSampler() })),
    spanProcessors: [new InitiatorSpanProcessor(), onward, new SimpleSpanProcessor({ exporter: spanExporter })],
  });
  const ignoreIncoming = config.http?.ignoreIncomingRequestHook;
  const instrumentation = new InitiatorInstrumentation({
    ...config,
    http: {
      ...config.http,
      ignoreIncomingRequestHook: (request) => onward.isOnward(request) || (ignoreIncoming?.(request) ?? false),
    },
  });
  instrumentation.setTracerProvider(tracerProvider);
  const logExporter = new InMemoryLogRecordExporter();
  const loggerProvider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: logExporter })] });
  instrumentation.setLoggerProvider(loggerProvider);
  // The gateway's fetch calls (to its provider) are spans under the interception, as with `register`.
  const undici = new UndiciInstrumentation();
  undici.setTracerProvider(tracerProvider);

  let reader = new PullMetricReader();
  let meterProvider = new MeterProvider({ readers: [reader] });
  instrumentation.setMeterProvider(meterProvider);
  instrumentation.enable();
  undici.enable();
  // Patching happens on require; the host may have loaded http already through `import`.
  requireHttpModules();

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

  const interceptionSpans = (): ReadableSpan[] =>
    spanExporter
      .getFinishedSpans()
      .filter((span) => span.attributes[ATTR_INITIATOR_OVERRIDE] !== undefined && span.kind === SpanKind.SERVER);

  return {
    instrumentation,
    spanExporter,
    finishedSpans: () => spanExporter.getFinishedSpans(),
    interceptionSpans,
    interceptionUsage: () => interceptionSpans().map((span) => usageOf(span.attributes)),
    interceptionRecords: () =>
      logExporter.getFinishedLogRecords().filter((record) => record.eventName === EVENT_INTERCEPTION),
    metricPoints,
    async counterValue(name, match = {}) {
      let total = 0;
      for (const point of await metricPoints(name)) {
        const matches = Object.entries(match).every(([key, value]) => point.attributes[key] === value);
        if (matches && typeof point.value === 'number') total += point.value;
      }
      return total;
    },
    settled: pendingWorkSettled,
    reset() {
      spanExporter.reset();
      logExporter.reset();
      void meterProvider.shutdown();
      reader = new PullMetricReader();
      meterProvider = new MeterProvider({ readers: [reader] });
      instrumentation.setMeterProvider(meterProvider);
    },
    async shutdown() {
      instrumentation.disable();
      undici.disable();
      await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown(), loggerProvider.shutdown()]);
    },
  };
}

function usageOf(attributes: Attributes): InterceptionUsage {
  const text = (key: string) => (typeof attributes[key] === 'string' ? attributes[key] : undefined);
  const count = (key: string) => (typeof attributes[key] === 'number' ? attributes[key] : undefined);
  const streaming = attributes[ATTR_AIBRIDGE_STREAMING];
  return {
    model: text(ATTR_GEN_AI_RESPONSE_MODEL),
    inputTokens: count(ATTR_GEN_AI_USAGE_INPUT_TOKENS),
    outputTokens: count(ATTR_GEN_AI_USAGE_OUTPUT_TOKENS),
    cacheReadInputTokens: count(ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS),
    cacheCreationInputTokens: count(ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS),
    reasoningOutputTokens: count(ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS),
    streaming: typeof streaming === 'boolean' ? streaming : undefined,
    unavailable: text(ATTR_AIBRIDGE_USAGE_UNAVAILABLE),
  };
}
