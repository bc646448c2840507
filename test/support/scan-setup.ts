// Loaded into every test worker: tees what leaves the plugin into the secret scan's record.
import { createRequire } from 'node:module';
import type * as SdkLogs from '@opentelemetry/sdk-logs';
import type * as SdkMetrics from '@opentelemetry/sdk-metrics';
import type * as SdkTrace from '@opentelemetry/sdk-trace';
import { recordOutput, registerSecret } from './scan';
import * as fixtures from './fixtures';
import { ALICE, BOB, DEMO_JWT_SECRET, MALLORY, SERVICE_ACCOUNT } from '../../examples/demo/callers';

for (const value of [
  fixtures.SERVICE_TOKEN,
  fixtures.ALICE_TOKEN,
  fixtures.BOB_API_KEY,
  fixtures.SOMEONE_ELSE_TOKEN,
  ALICE.key,
  BOB.key,
  MALLORY.key,
  SERVICE_ACCOUNT.key,
  DEMO_JWT_SECRET,
])
  registerSecret(value);

// The plugin's CommonJS build loads the SDK through require: patch those copies.
const require = createRequire(import.meta.url);
const { InMemorySpanExporter } = require('@opentelemetry/sdk-trace') as typeof SdkTrace;
const { MetricReader } = require('@opentelemetry/sdk-metrics') as typeof SdkMetrics;
const { InMemoryLogRecordExporter } = require('@opentelemetry/sdk-logs') as typeof SdkLogs;

// The originals, called on the instance by the replacements.
const exportSpans = Reflect.get(InMemorySpanExporter.prototype, 'export');
InMemorySpanExporter.prototype.export = function (spans, done) {
  recordOutput(
    'spans',
    JSON.stringify(spans.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, status: s.status }))),
  );
  return exportSpans.call(this, spans, done);
};

const exportRecords = Reflect.get(InMemoryLogRecordExporter.prototype, 'export');
InMemoryLogRecordExporter.prototype.export = function (records, done) {
  recordOutput(
    'records',
    JSON.stringify(records.map((r) => ({ eventName: r.eventName, attributes: r.attributes, body: r.body }))),
  );
  return exportRecords.call(this, records, done);
};

const collect = Reflect.get(MetricReader.prototype, 'collect');
MetricReader.prototype.collect = async function (options) {
  const collected = await collect.call(this, options);
  recordOutput('metrics', JSON.stringify(collected.resourceMetrics.scopeMetrics));
  return collected;
};

for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
  const original = console[method].bind(console);
  console[method] = (...args: unknown[]) => {
    recordOutput(
      `console.${method}`,
      args.map((a) => (typeof a === 'string' ? a : (JSON.stringify(a) ?? String(a)))).join(' '),
    );
    original(...args);
  };
}
