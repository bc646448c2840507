import type { Context, TextMapGetter, TextMapPropagator, TextMapSetter } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';

/**
 * A propagator that reads trace context from incoming requests but writes it into outgoing ones
 * only when told to. A gateway's outgoing calls go to third-party model providers: by default they
 * learn nothing of the caller's traces (trace IDs, baggage), which may carry internal names.
 */
export class OutgoingContextGate implements TextMapPropagator {
  constructor(
    readonly inner: TextMapPropagator,
    readonly propagateOutgoing: boolean,
  ) {}

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    if (this.propagateOutgoing) this.inner.inject(context, carrier, setter);
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    return this.inner.extract(context, carrier, getter);
  }

  fields(): string[] {
    return this.propagateOutgoing ? this.inner.fields() : [];
  }
}

/** The SDK's default propagation (W3C trace context and baggage). */
export function defaultPropagator(): TextMapPropagator {
  return new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] });
}
