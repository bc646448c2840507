'use strict';
// Configuration B of the benchmark: what an operator runs without the plugin, the OpenTelemetry
// Node SDK with the stock HTTP instrumentation and the same exporters (standard variables).
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');

const sdk = new NodeSDK({ instrumentations: [new HttpInstrumentation()] });
sdk.start();
require('node:http');
process.on('SIGTERM', () => sdk.shutdown().then(() => process.exit(0)));
