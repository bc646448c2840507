// Per-call cost of the plugin's hot path, without HTTP: `npm run bench:micro`.
// Resolution alone on its main paths; then one interception's objects, server span and response
// (one JSON body, or a stream written an event at a time) four ways: bare; carrying the contract's
// telemetry with fixed values (what the SDK charges for recording it, whoever produces it: span
// attributes at start and at the end, the duration histogram point, the interception record); through
// the plugin's hooks (resolution, the response tapped and its usage read, its counters, the span's
// attributes, the histogram point, the record) on real SDK spans, meters and loggers; and the usage
// reader alone on the same bytes. What the hooks cost beyond the SDK's recording is then the hooks,
// less the fixed-value telemetry, less the reader. Last, the OTLP protobuf serialization of batches
// of spans and records, the telemetry's cost at export. Each case runs in interleaved rounds; the
// median round is reported, with the fastest and slowest, in nanoseconds per call including garbage
// collection. With BENCH_FIGURES set, the summary's figures are written there as JSON; with
// MICRO_ONLY, only the cases whose name contains it run (to profile one).
import { readFileSync, writeFileSync } from 'node:fs';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { createRequire } from 'node:module';
import type * as Api from '@opentelemetry/api' with { 'resolution-mode': 'require' };
import type * as OtlpTransformer from '@opentelemetry/otlp-transformer' with { 'resolution-mode': 'require' };
import type * as SdkLogs from '@opentelemetry/sdk-logs' with { 'resolution-mode': 'require' };
import type * as SdkMetrics from '@opentelemetry/sdk-metrics' with { 'resolution-mode': 'require' };
import type * as SdkTrace from '@opentelemetry/sdk-trace' with { 'resolution-mode': 'require' };
import type * as CreatePolicy from '../src/config/create-policy.ts';
import type * as Instruments from '../src/otel/instruments.ts';
import type * as Hooks from '../src/otel/interception-hooks.ts';
import type * as ResolveRequest from '../src/resolution/resolve-request.ts';
import type * as UsageReader from '../src/usage/usage-reader.ts';

// Loaded with require, as a gateway's preload loads them: the built plugin is CommonJS, and the SDK
// packages ship CommonJS and ES module builds, of which the plugin meets the CommonJS ones. `require`
// returns `any`: the plugin's modules are typed from their sources, the SDK's from their CommonJS
// declarations.
const require = createRequire(import.meta.url);
const { createPolicy } = require('../dist/config/create-policy.js') as typeof CreatePolicy;
const { resolveFromRecord } = require('../dist/resolution/resolve-request.js') as typeof ResolveRequest;
const { InterceptionHooks } = require('../dist/otel/interception-hooks.js') as typeof Hooks;
const { createInstruments } = require('../dist/otel/instruments.js') as typeof Instruments;
const { createUsageReader } = require('../dist/usage/usage-reader.js') as typeof UsageReader;
const { trace, ROOT_CONTEXT } = require('@opentelemetry/api') as typeof Api;
const { MeterProvider, MetricReader, AggregationTemporality } =
  require('@opentelemetry/sdk-metrics') as typeof SdkMetrics;
const { TracerProvider, NoopSpanProcessor } = require('@opentelemetry/sdk-trace') as typeof SdkTrace;
const { LoggerProvider } = require('@opentelemetry/sdk-logs') as typeof SdkLogs;
// What the OTLP/HTTP exporters run on each batch (the default `http/protobuf` protocol).
const { ProtobufTraceSerializer, ProtobufLogsSerializer } =
  require('@opentelemetry/otlp-transformer') as typeof OtlpTransformer;

const ROUNDS = Number(process.env.MICRO_ROUNDS ?? 9);
const ROUND_MS = Number(process.env.MICRO_ROUND_MS ?? 250);

const policy = createPolicy();
const SERVICE = 'Bearer sk-svc-coder-agents-7f3e9a1c2b4d6e8f0a1b2c3d';
const OWNER = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const common = {
  host: 'gateway:8787',
  'content-type': 'application/json',
  'content-length': '8312',
  accept: 'application/json',
};
const headers = {
  override: {
    ...common,
    'user-agent': 'coder-agents/2.24.1',
    authorization: SERVICE,
    'x-coder-owner-id': OWNER,
    'x-coder-chat-id': 'chat-17',
  },
  rejection: {
    ...common,
    'user-agent': 'claude-cli/1.0.98 (external, cli)',
    'x-api-key': 'sk-ant-alice-0001',
    'x-coder-owner-id': OWNER,
    'x-claude-code-session-id': 'session-17',
  },
  noCredential: { ...common, 'user-agent': 'curl/8.5.0' },
};
type Kind = keyof typeof headers;
const KINDS = Object.keys(headers) as Kind[];

const fixture = (name: string) => readFileSync(new URL(`../test/usage/fixtures/${name}`, import.meta.url));
/** The responses: a Chat Completions body, and its stream as the gateway forwards it, an event per write. */
const RESPONSES = {
  json: { contentType: 'application/json', writes: [fixture('chat-completions.json')] },
  stream: {
    contentType: 'text/event-stream',
    writes: fixture('chat-completions.sse')
      .toString('utf8')
      .split(/(?<=\n\n)/)
      .map((event) => Buffer.from(event)),
  },
};
type Shape = keyof typeof RESPONSES;
const SHAPES = Object.keys(RESPONSES) as Shape[];

class Reader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  async onForceFlush() {}
  async onShutdown() {}
}
const meterProvider = new MeterProvider({ readers: [new Reader()] });
const meter = meterProvider.getMeter('aibridge-initiator-otel');
const tracer = new TracerProvider({ spanProcessors: [new NoopSpanProcessor()] }).getTracer('bench');
// Records go to a processor that keeps none: what the SDK does up to handing a record to the batch.
const logger = new LoggerProvider({
  processors: [{ onEmit() {}, forceFlush: async () => {}, shutdown: async () => {} }],
}).getLogger('aibridge-initiator-otel');
const hooks = new InterceptionHooks(policy, createInstruments(meter));
hooks.logger = logger;

// The override interception's telemetry, as fixed values.
const FIXED_START = Object.freeze({
  'initiator.override': true,
  'initiator.source': 'owner_header',
  'aibridge.client': 'Coder Agents',
  'gen_ai.provider.name': 'openai',
  'enduser.id': OWNER,
  'initiator.credential_id': 'key-8f089c2f1021fed8',
  'gen_ai.conversation.id': 'chat-17',
});
const FIXED_END = Object.freeze({
  'aibridge.streaming': false,
  'gen_ai.response.model': 'gpt-5-mini-2025-08-07',
  'gen_ai.usage.input_tokens': 2345,
  'gen_ai.usage.output_tokens': 876,
  'gen_ai.usage.cache_read.input_tokens': 1920,
  'gen_ai.usage.reasoning.output_tokens': 512,
});
const FIXED_POINT = Object.freeze({ 'initiator.override': true, 'gen_ai.provider.name': 'openai' });
const fixedDuration = meter.createHistogram('fixed.duration', { unit: 's' });

function exchange(kind: Kind): { request: IncomingMessage; response: ServerResponse } {
  const request = new IncomingMessage(new Socket());
  request.method = 'POST';
  request.url = '/v1/chat/completions';
  request.headers = headers[kind];
  return { request, response: new ServerResponse(request) };
}

/** The gateway's side of the response: its head, its body, written as the shape says. */
function respond(response: ServerResponse, shape: Shape): void {
  const { contentType, writes } = RESPONSES[shape];
  response.writeHead(200, { 'content-type': contentType });
  for (let i = 0; i < writes.length - 1; i++) response.write(writes[i]);
  response.end(writes[writes.length - 1]);
}

function fixedTelemetry(shape: Shape): void {
  const { response } = exchange('override');
  const span = tracer.startSpan('POST', { attributes: FIXED_START });
  const started = performance.now();
  response.once('close', () => {
    span.setAttributes(FIXED_END);
    const seconds = (performance.now() - started) / 1000;
    fixedDuration.record(seconds, FIXED_POINT);
    logger.emit({
      eventName: 'aibridge.interception',
      attributes: {
        ...FIXED_START,
        ...FIXED_END,
        'http.response.status_code': 200,
        'aibridge.interception.duration': seconds,
      },
      context: trace.setSpan(ROOT_CONTEXT, span),
    });
  });
  respond(response, shape);
  response.emit('close');
  span.end();
}

function readerAlone(shape: Shape): void {
  const { contentType, writes } = RESPONSES[shape];
  const reader = createUsageReader('openai_chat_completions', { contentType, contentEncoding: undefined });
  for (const w of writes) reader.write(w);
  reader.end(false, () => {});
}

const CASES: Record<string, () => void> = {
  ...Object.fromEntries(
    KINDS.map((kind) => [`resolution: ${kind}`, () => void resolveFromRecord(headers[kind], policy)]),
  ),
};
for (const shape of SHAPES) {
  CASES[`${shape}: interception, bare`] = () => {
    const { response } = exchange('override');
    const span = tracer.startSpan('POST', { attributes: {} });
    respond(response, shape);
    response.emit('close');
    span.end();
  };
  CASES[`${shape}: the contract's telemetry with fixed values`] = () => fixedTelemetry(shape);
  CASES[`${shape}: the usage reader alone`] = () => readerAlone(shape);
  for (const kind of KINDS) {
    CASES[`${shape}: the plugin's hooks, ${kind}`] = () => {
      const { request, response } = exchange(kind);
      const span = tracer.startSpan('POST', { attributes: hooks.onRequestStart(request) });
      hooks.onSpanStarted(span, response);
      respond(response, shape);
      response.emit('close');
      span.end();
    };
  }
}

// Batches as the batch processors hand them to the exporters: 512 server spans with the attributes
// the stock HTTP instrumentation sets, without and with the contract's, and 512 interception records.
const STOCK_ATTRIBUTES = Object.freeze({
  'http.request.method': 'POST',
  'url.scheme': 'http',
  'url.path': '/v1/chat/completions',
  'server.address': '127.0.0.1',
  'server.port': 8787,
  'client.address': '127.0.0.1',
  'network.peer.address': '127.0.0.1',
  'network.peer.port': 51234,
  'network.protocol.version': '1.1',
  'user_agent.original': 'coder-agents/2.24.1',
  'http.response.status_code': 200,
});
function spanBatch(contract: boolean): SdkTrace.ReadableSpan[] {
  return Array.from({ length: 512 }, () => {
    const span = tracer.startSpan('POST', {
      attributes: contract ? { ...STOCK_ATTRIBUTES, ...FIXED_START } : STOCK_ATTRIBUTES,
    });
    if (contract) span.setAttributes(FIXED_END);
    span.end();
    // The API types a span by what callers may do with it; the SDK's tracer makes its own spans,
    // which are also what its processors hand to an exporter.
    return span as SdkTrace.Span;
  });
}
const recordBatch: SdkLogs.ReadableLogRecord[] = [];
const keeper = new LoggerProvider({
  processors: [
    {
      onEmit: (record: SdkLogs.ReadWriteLogRecord) => void recordBatch.push(record),
      forceFlush: async () => {},
      shutdown: async () => {},
    },
  ],
}).getLogger('aibridge-initiator-otel');
for (let i = 0; i < 512; i++) {
  keeper.emit({
    eventName: 'aibridge.interception',
    attributes: {
      ...FIXED_START,
      ...FIXED_END,
      'http.response.status_code': 200,
      'aibridge.interception.duration': 1.5,
    },
    context: trace.setSpan(ROOT_CONTEXT, tracer.startSpan('POST')),
  });
}
const stockBatch = spanBatch(false);
const contractBatch = spanBatch(true);
Object.assign(CASES, {
  'export, one batch of 512 stock spans': () => void ProtobufTraceSerializer.serializeRequest(stockBatch),
  "export, one batch of 512 spans with the contract's attributes": () =>
    void ProtobufTraceSerializer.serializeRequest(contractBatch),
  'export, one batch of 512 interception records': () => void ProtobufLogsSerializer.serializeRequest(recordBatch),
});

// MICRO_ONLY=<part of a case's name> runs only the matching cases and no summary: for profiling one.
const ONLY = process.env.MICRO_ONLY;
if (ONLY !== undefined) for (const name of Object.keys(CASES)) if (!name.includes(ONLY)) delete CASES[name];

/** ns per call over about `ROUND_MS`. */
function round(run: () => void, iterations: number): number {
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) run();
  return Number(process.hrtime.bigint() - started) / iterations;
}

// Warm-up, about two rounds' worth of each case, which also sizes its rounds.
const iterations: Record<string, number> = {};
for (const [name, run] of Object.entries(CASES)) {
  let count = 10;
  let ns = round(run, count);
  while (ns * count < 2 * ROUND_MS * 1e6) {
    count *= 4;
    ns = round(run, count);
  }
  iterations[name] = Math.max(10, Math.round((ROUND_MS * 1e6) / ns));
}
const samples: Record<string, number[]> = Object.fromEntries(Object.keys(CASES).map((name) => [name, []]));
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, run] of Object.entries(CASES)) samples[name]!.push(round(run, iterations[name]!));
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const cell = (value: number) => value.toFixed(0).padStart(6);
console.log(
  `node ${process.version}, ${process.arch}; ${ROUNDS} rounds of about ${ROUND_MS} ms per case; ns per call, median (fastest–slowest round)`,
);
for (const [name, values] of Object.entries(samples)) {
  console.log(
    `${name.padEnd(62)} ${cell(median(values))} (${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)})`,
  );
}
// Differences between cases come from each case's fastest round: on a shared machine, noise only
// ever adds time, so the fastest round is the closest to what the code itself costs, while the
// difference of two medians can come out below zero.
if (ONLY !== undefined) process.exit(0);
const ns = (name: string) => Math.min(...samples[name]!);
const figures: Record<string, number> = {};
console.log(`\nfrom the fastest rounds, ns per interception:`);
for (const shape of SHAPES) {
  const bare = ns(`${shape}: interception, bare`);
  const contract = ns(`${shape}: the contract's telemetry with fixed values`) - bare;
  const reader = ns(`${shape}: the usage reader alone`);
  console.log(
    `${shape}: the contract's telemetry, recorded by the SDK with fixed values ${cell(contract)}; the usage reader alone ${cell(reader)}`,
  );
  // The fixed values are those of an override; a rejection carries an event more, a request
  // without a credential fewer attributes, so only the override compares.
  for (const kind of KINDS) {
    const hooksAlone = ns(`${shape}: the plugin's hooks, ${kind}`) - bare;
    const beyond = hooksAlone - contract - reader;
    if (kind === 'override') figures[`${shape}BeyondNs`] = beyond;
    console.log(
      `  the plugin's hooks, ${kind.padEnd(13)} ${cell(hooksAlone)}${kind === 'override' ? `, of which beyond the fixed-value telemetry and the reader ${cell(beyond)}` : ''}`,
    );
  }
}
const spanExport =
  (ns("export, one batch of 512 spans with the contract's attributes") - ns('export, one batch of 512 stock spans')) /
  512;
const recordExport = ns('export, one batch of 512 interception records') / 512;
console.log(
  `at export, per interception: the contract's span attributes ${cell(spanExport)}, its record ${cell(recordExport)}`,
);
figures.beyondNs = Math.max(figures.jsonBeyondNs!, figures.streamBeyondNs!);
if (process.env.BENCH_FIGURES !== undefined) writeFileSync(process.env.BENCH_FIGURES, JSON.stringify(figures));
