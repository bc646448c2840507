import { getBooleanFromEnv } from '@opentelemetry/core';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { InitiatorInstrumentation } from '../otel/initiator-instrumentation';
import { InitiatorSpanProcessor } from '../otel/initiator-span-processor';
import type { InitiatorPolicy } from '../resolution/policy';
import { spanProcessorsFromEnv } from './env-span-processors';
import { flushOnExit } from './flush-on-exit';
import { ownScrapeFilter } from './own-traffic';

/**
 * Starts the OpenTelemetry Node SDK, configured by the standard `OTEL_*` variables, with the
 * initiator instrumentation, and arranges for telemetry to be flushed at exit.
 */
export function startPlugin(policy: InitiatorPolicy): void {
  // Constructing an instrumentation already hooks `require`; a disabled SDK must leave http untouched.
  if (getBooleanFromEnv('OTEL_SDK_DISABLED')) {
    for (const resolver of policy.resolvers) resolver.close?.();
    return;
  }
  const ignoreIncomingRequestHook = ownScrapeFilter();
  const instrumentation = new InitiatorInstrumentation({
    policy,
    ...(ignoreIncomingRequestHook !== undefined && { http: { ignoreIncomingRequestHook } }),
  });
  const fromEnv = spanProcessorsFromEnv();
  const sdk = new NodeSDK({
    instrumentations: [instrumentation],
    // No exporter configured (OTEL_TRACES_EXPORTER=none): no tracer provider, as the SDK would do.
    ...(fromEnv !== undefined && { spanProcessors: fromEnv.length > 0 ? [new InitiatorSpanProcessor(), ...fromEnv] : [] }),
  });
  sdk.start();
  // The instrumentation patches http and https when they are first required; an ESM gateway
  // imports them instead, which the require hook does not see.
  require('node:http');
  require('node:https');
  flushOnExit(() => sdk.shutdown());
}
