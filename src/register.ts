/**
 * The preload: `node --require aibridge-initiator-otel/register gateway.js` (or `--import`).
 * Invalid plugin configuration stops the process here, before the gateway starts; any other
 * failure leaves the gateway running uninstrumented.
 */
import { DiagConsoleLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import { getStringFromEnv } from '@opentelemetry/core';
import { ConfigError } from './config-error';
import { alwaysSampleFromEnv, policyFromEnv, propagateTraceContextFromEnv } from './config/env';
import { reportToDiag } from './otel/plugin-diag';
import { startPlugin } from './sdk/start-plugin';

/** sysexits' EX_CONFIG. */
const EXIT_INVALID_CONFIGURATION = 78;

// The plugin reports its faults through diag; without a logger nobody would see them.
if (getStringFromEnv('OTEL_LOG_LEVEL') === undefined) diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.WARN);

try {
  // Disabled or not, the configuration is checked: a bad one is refused either way.
  startPlugin({
    propagateTraceContext: propagateTraceContextFromEnv(process.env),
    alwaysSample: alwaysSampleFromEnv(process.env),
    policy: policyFromEnv(process.env, reportToDiag),
  });
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`aibridge-initiator-otel: invalid configuration: ${error.message}\n`);
    process.exit(EXIT_INVALID_CONFIGURATION);
  }
  diag.error(`aibridge-initiator-otel failed to start; the gateway runs uninstrumented: ${String(error)}`);
}
