import type { TextMapPropagator } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import { InitiatorInstrumentation, type InitiatorInstrumentationConfig } from './otel/initiator-instrumentation';
import { InitiatorSpanProcessor } from './otel/initiator-span-processor';
import { defaultPropagator, OutgoingContextGate } from './otel/outgoing-context-gate';

/** Options of `createInitiatorInstrumentation`. */
export interface InitiatorSetupOptions extends InitiatorInstrumentationConfig {
  /**
   * Whether outgoing requests (to model providers) carry the trace context (`traceparent`,
   * `baggage`). Incoming trace context is read either way.
   * @default false
   */
  readonly propagateTraceContext?: boolean;
  /**
   * The propagator to gate; `null` for none.
   * @default W3C trace context and baggage
   */
  readonly propagator?: TextMapPropagator | null;
}

/** What a gateway's own `NodeSDK` needs to carry initiators. */
export interface InitiatorSetup {
  /** For `instrumentations`: HTTP (with initiator resolution) and undici (`fetch`) outgoing calls. */
  readonly instrumentations: Instrumentation[];
  /** For `spanProcessors`, first: stamps `enduser.id` on the spans under an interception. */
  readonly spanProcessor: SpanProcessor;
  /** For `textMapPropagator`: keeps trace context from leaving for providers unless asked; null for none. */
  readonly propagator: TextMapPropagator | null;
}

/**
 * The plugin's parts, for a gateway that builds its own `NodeSDK` instead of preloading `register`.
 *
 * @example
 * const initiators = createInitiatorInstrumentation({ credentialsFile: '/etc/aibridge/credentials.json' });
 * new NodeSDK({
 *   instrumentations: [...initiators.instrumentations, new ExpressInstrumentation()],
 *   spanProcessors: [initiators.spanProcessor, new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })],
 *   textMapPropagator: initiators.propagator,
 * }).start();
 */
export function createInitiatorInstrumentation(options: InitiatorSetupOptions = {}): InitiatorSetup {
  const { propagateTraceContext = false, propagator, ...config } = options;
  const inner = propagator === undefined ? defaultPropagator() : propagator;
  return {
    instrumentations: [new InitiatorInstrumentation(config), new UndiciInstrumentation()],
    spanProcessor: new InitiatorSpanProcessor(),
    propagator: inner === null ? null : new OutgoingContextGate(inner, propagateTraceContext),
  };
}
