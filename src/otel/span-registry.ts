import { context as otelContext, trace, type Context, type Span } from '@opentelemetry/api';
import type { Resolution } from '../resolution/types';

/** An interception as its spans share it: the Resolution, once known. */
export interface InterceptionState {
  resolution: Resolution | undefined;
  /** Settles when the Resolution is known, while a resolver is still working. */
  readonly settled: Promise<unknown> | undefined;
}

// Kept on the span object itself, under a symbol no exporter reads, so it goes with the span; shared
// by the hooks (which register the interception's server span) and the span processor (which
// registers its descendants). A WeakMap did the same at several times the cost per request.
const STATE = Symbol('aibridge-initiator-otel.interception');
type WithState = { [STATE]?: InterceptionState };

export function registerSpan(span: Span, state: InterceptionState): void {
  (span as WithState)[STATE] = state;
}

export function stateOfSpan(span: Span | undefined): InterceptionState | undefined {
  return (span as WithState | undefined)?.[STATE];
}

/**
 * The Resolution of the interception the given context (by default the active one) runs in, or
 * undefined outside an interception, or while a resolver is still working on it.
 *
 * @example
 * app.post('/v1/messages', (req, res) => {
 *   const who = currentInitiator()?.initiator;
 * });
 */
export function currentInitiator(context: Context = otelContext.active()): Resolution | undefined {
  return stateOfSpan(trace.getSpan(context))?.resolution;
}
