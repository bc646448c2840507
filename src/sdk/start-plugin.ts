import { getBooleanFromEnv } from '@opentelemetry/core';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { createInitiatorInstrumentation } from '../otel/create-initiator-instrumentation';
import { requireHttpModules } from '../otel/require-http';
import type { InitiatorPolicy } from '../resolution/policy';
import type { AlwaysSample } from '../types';
import { closeResolvers } from '../resolution/resolver-types';
import { flushOnExit } from './flush-on-exit';
import { ownScrapeFilter } from './own-traffic';
import { propagatorFromEnv, samplerFromEnv, spanProcessorsFromEnv } from './sdk-internals';

/** How the preload runs the SDK, besides the resolution policy. */
export interface PluginSettings {
  readonly policy: InitiatorPolicy;
  /** Whether outgoing requests carry the trace context. */
  readonly propagateTraceContext: boolean;
  /** Which interceptions are sampled whatever `OTEL_TRACES_SAMPLER` decides. */
  readonly alwaysSample: AlwaysSample;
}

/**
 * Starts the OpenTelemetry Node SDK, configured by the standard `OTEL_*` variables, with the
 * initiator instrumentation, and arranges for telemetry to be flushed at exit.
 */
export function startPlugin({ policy, propagateTraceContext, alwaysSample }: PluginSettings): void {
  // Constructing an instrumentation already hooks `require`; a disabled SDK must leave http untouched.
  if (getBooleanFromEnv('OTEL_SDK_DISABLED')) {
    closeResolvers(policy.resolvers);
    return;
  }
  const ignoreIncomingRequestHook = ownScrapeFilter();
  const propagator = propagatorFromEnv();
  const initiators = createInitiatorInstrumentation({
    policy,
    propagateTraceContext,
    alwaysSample,
    ...(propagator !== undefined && { propagator }),
    ...(ignoreIncomingRequestHook !== undefined && { http: { ignoreIncomingRequestHook } }),
  });
  const fromEnv = spanProcessorsFromEnv();
  const sdk = new NodeSDK({
    instrumentations: initiators.instrumentations,
    textMapPropagator: initiators.propagator,
    // The sampler OTEL_TRACES_SAMPLER configures, as the SDK parses it, wrapped so signals are kept.
    sampler: initiators.sampler(samplerFromEnv()),
    // No exporter configured (OTEL_TRACES_EXPORTER=none): no tracer provider, as the SDK would do.
    ...(fromEnv !== undefined && { spanProcessors: fromEnv.length > 0 ? [initiators.spanProcessor, ...fromEnv] : [] }),
  });
  sdk.start();
  requireHttpModules();
  flushOnExit(() => sdk.shutdown());
}
