'use strict';
// Configuration F of the benchmark: B (stock instrumentation-http) made to carry the contract's
// telemetry with fixed values and no logic at all: the span attributes at start, the usage
// attributes at the response's close, the rejection event where an owner header comes from a client
// that may not send one, the duration histogram point, and the interception record through the
// SDK's logs pipeline. F against B is what that telemetry costs whoever produces it; C against F is
// the plugin's own work (resolution, reading usage, its counters). The counters are left out: the
// plugin aggregates them itself, without a call into the SDK per interception.
const { ServerResponse } = require('node:http');
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
const { metrics, logs, trace, ROOT_CONTEXT } = require('@opentelemetry/api');

const START = Object.freeze({
  'initiator.override': true,
  'initiator.source': 'owner_header',
  'aibridge.client': 'Coder Agents',
  'gen_ai.provider.name': 'anthropic',
  'enduser.id': '3f2504e0-4f89-41d3-9a0c-0305e82c3301',
  'initiator.credential_id': 'key-8f089c2f1021fed8',
  'gen_ai.conversation.id': 'chat-17',
});
const END = Object.freeze({
  'aibridge.streaming': true,
  'gen_ai.response.model': 'claude-sonnet-4-5-20250929',
  'gen_ai.usage.input_tokens': 21516,
  'gen_ai.usage.output_tokens': 655,
  'gen_ai.usage.cache_read.input_tokens': 20480,
  'gen_ai.usage.cache_creation.input_tokens': 1024,
});
const REJECTION = Object.freeze({
  'initiator.override.rejected_reason': 'client_not_allowed',
  'initiator.override.value_length': 36,
});
const DURATION = Object.freeze({ 'initiator.override': true, 'gen_ai.provider.name': 'anthropic' });
let duration;
let logger;

const sdk = new NodeSDK({
  instrumentations: [
    new HttpInstrumentation({
      startIncomingSpanHook: () => START,
      responseHook: (span, response) => {
        if (!(response instanceof ServerResponse)) return;
        const headers = response.req.headers;
        if (headers['x-coder-owner-id'] !== undefined && !headers['user-agent']?.startsWith('coder-agents/'))
          span.addEvent('initiator.override.rejected', REJECTION);
        const started = performance.now();
        response.once('close', () => {
          span.setAttributes(END);
          const seconds = (performance.now() - started) / 1000;
          duration.record(seconds, DURATION);
          logger.emit({
            eventName: 'aibridge.interception',
            attributes: {
              ...START,
              ...END,
              'http.response.status_code': response.statusCode,
              'aibridge.interception.duration': seconds,
            },
            context: trace.setSpan(ROOT_CONTEXT, span),
          });
        });
      },
    }),
  ],
});
sdk.start();
duration = metrics.getMeter('bench').createHistogram('aibridge.interception.duration', {
  unit: 's',
  advice: { explicitBucketBoundaries: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300] },
});
logger = logs.getLogger('bench');
require('node:http');
process.on('SIGTERM', () => sdk.shutdown().then(() => process.exit(0)));
