import type { Sampler } from '@opentelemetry/api';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { AlwaysOnSampler, ParentBasedSampler } from '@opentelemetry/sdk-trace';
import type { InitiatorSetup, InitiatorSetupOptions } from '../types';
import { InitiatorInstrumentation } from './initiator-instrumentation';
import { InitiatorSpanProcessor } from './initiator-span-processor';
import { defaultPropagator, OutgoingContextGate } from './outgoing-context-gate';
import { SignalSampler } from './signal-sampler';

/**
 * The plugin's parts, for a gateway that builds its own `NodeSDK` instead of preloading `register`.
 *
 * @example
 * const initiators = createInitiatorInstrumentation({ credentialsFile: '/etc/aibridge/credentials.json' });
 * new NodeSDK({
 *   instrumentations: [...initiators.instrumentations, new ExpressInstrumentation()],
 *   spanProcessors: [initiators.spanProcessor, new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })],
 *   textMapPropagator: initiators.propagator,
 *   sampler: initiators.sampler(new TraceIdRatioBasedSampler(0.01)),
 * }).start();
 */
export function createInitiatorInstrumentation(options: InitiatorSetupOptions = {}): InitiatorSetup {
  const { propagateTraceContext = false, propagator, ...config } = options;
  const inner = propagator === undefined ? defaultPropagator() : propagator;
  return {
    instrumentations: [new InitiatorInstrumentation(config), new UndiciInstrumentation()],
    spanProcessor: new InitiatorSpanProcessor(),
    propagator: inner === null ? null : new OutgoingContextGate(inner, propagateTraceContext),
    sampler: (configured?: Sampler) =>
      new SignalSampler(configured ?? new ParentBasedSampler({ root: new AlwaysOnSampler() })),
  };
}
