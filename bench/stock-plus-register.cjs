'use strict';
// Configuration B+ of the benchmark: stock instrumentation-http made to carry the same telemetry as
// the plugin (seven span attributes set at start, one span event where an owner header is sent, a
// duration histogram), with fixed values and no resolution. C against B+ is what the plugin's own
// logic costs; B+ against B is what the contract's telemetry costs whoever produces it.
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
const { metrics } = require('@opentelemetry/api');

const ATTRIBUTES = Object.freeze({
  'initiator.override': true,
  'initiator.source': 'owner_header',
  'aibridge.client': 'Coder Agents',
  'aibridge.provider': 'openai',
  'enduser.id': '3f2504e0-4f89-41d3-9a0c-0305e82c3301',
  'initiator.credential_id': 'key-8f089c2f1021fed8',
  'initiator.override.rejected_reason': 'none',
});
const EVENT = Object.freeze({
  'enduser.id': '3f2504e0-4f89-41d3-9a0c-0305e82c3301',
  'initiator.credential_id': 'key-8f089c2f1021fed8',
});
const DURATION = Object.freeze({ 'initiator.override': true, 'aibridge.provider': 'openai' });
let duration;

const sdk = new NodeSDK({
  instrumentations: [
    new HttpInstrumentation({
      startIncomingSpanHook: () => ATTRIBUTES,
      responseHook: (span, response) => {
        if (!('req' in response) || response.req === undefined || response.req.headers === undefined) return;
        if (response.req.headers['x-coder-owner-id'] !== undefined) span.addEvent('initiator.override', EVENT);
        const started = performance.now();
        response.once('close', () => duration.record((performance.now() - started) / 1000, DURATION));
      },
    }),
  ],
});
sdk.start();
duration = metrics.getMeter('bench').createHistogram('aibridge.interception.duration', { unit: 's' });
require('node:http');
process.on('SIGTERM', () => sdk.shutdown().then(() => process.exit(0)));
