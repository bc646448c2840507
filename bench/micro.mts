// Per-call cost of the plugin's hot path, without HTTP: `npm run bench:micro`.
// Resolution alone on its main paths, then the whole of what the hooks do for one interception
// (resolution, span attributes and events, the three metric points) on real SDK spans and meters.
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { createRequire } from 'node:module';
import { Bench } from 'tinybench';

const require = createRequire(import.meta.url);
const { createPolicy } = require('../dist/config/create-policy.js');
const { resolveFromRecord } = require('../dist/resolution/resolve-initiator.js');
const { InterceptionHooks } = require('../dist/otel/interception-hooks.js');
const { createInstruments } = require('../dist/otel/instruments.js');
const { MeterProvider, MetricReader, AggregationTemporality } = require('@opentelemetry/sdk-metrics');
const { TracerProvider, NoopSpanProcessor } = require('@opentelemetry/sdk-trace');

const policy = createPolicy();
const SERVICE = 'Bearer sk-svc-coder-agents-7f3e9a1c2b4d6e8f0a1b2c3d';
const common = { host: 'gateway:8787', 'content-type': 'application/json', 'content-length': '312', accept: 'application/json' };
const headers = {
  override: { ...common, 'user-agent': 'coder-agents/2.24.1', authorization: SERVICE, 'x-coder-owner-id': '3f2504e0-4f89-41d3-9a0c-0305e82c3301' },
  rejection: { ...common, 'user-agent': 'claude-cli/1.0.98 (external, cli)', 'x-api-key': 'sk-ant-alice-0001', 'x-coder-owner-id': '3f2504e0-4f89-41d3-9a0c-0305e82c3301' },
  noCredential: { ...common, 'user-agent': 'curl/8.5.0' },
};

class Reader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  async onForceFlush() {}
  async onShutdown() {}
}
const meterProvider = new MeterProvider({ readers: [new Reader()] });
const tracer = new TracerProvider({ spanProcessors: [new NoopSpanProcessor()] }).getTracer('bench');
const hooks = new InterceptionHooks(policy, createInstruments(meterProvider.getMeter('aibridge-initiator-otel')));

function interception(kind: keyof typeof headers): void {
  const request = new IncomingMessage(new Socket());
  request.method = 'POST';
  request.url = '/v1/chat/completions';
  request.headers = headers[kind];
  const response = new ServerResponse(request);
  const span = tracer.startSpan('POST', { attributes: hooks.onRequestStart(request) });
  hooks.onSpanStarted(span, response);
  response.emit('close');
  span.end();
}

function baseline(): void {
  // The same objects and span without the plugin's hooks: what `interception` costs on top of it.
  const request = new IncomingMessage(new Socket());
  request.method = 'POST';
  request.url = '/v1/chat/completions';
  request.headers = headers.override;
  const response = new ServerResponse(request);
  const span = tracer.startSpan('POST', { attributes: {} });
  response.emit('close');
  span.end();
}

const bench = new Bench({ time: Number(process.env.BENCH_MS ?? 1500), warmup: true });
for (const kind of Object.keys(headers) as (keyof typeof headers)[]) bench.add(`resolution: ${kind}`, () => resolveFromRecord(headers[kind], policy));
bench.add('interception without the plugin (objects, span)', baseline);
for (const kind of Object.keys(headers) as (keyof typeof headers)[]) bench.add(`interception with the hooks: ${kind}`, () => interception(kind));
await bench.run();

const ns = (name: string) => (bench.getTask(name)?.result as { latency?: { mean: number } } | undefined)?.latency?.mean ?? NaN;
const rows = bench.tasks.map((task) => [task.name, (ns(task.name) * 1e6).toFixed(0)]);
console.log(`node ${process.version}, ${process.arch}`);
for (const [name, value] of rows) console.log(`${name.padEnd(52)} ${String(value).padStart(6)} ns/call`);
const base = ns('interception without the plugin (objects, span)');
for (const kind of Object.keys(headers)) {
  console.log(`hooks alone, ${kind.padEnd(13)} ${((ns(`interception with the hooks: ${kind}`) - base) * 1e6).toFixed(0).padStart(6)} ns/interception`);
}
