import { context as otelContext, trace, type Context, type Span } from '@opentelemetry/api';
import type { Resolution } from '../resolution/types';

/** An interception as its spans share it: the Resolution, once known. */
export interface InterceptionState {
  resolution: Resolution | undefined;
  /** Settles when the Resolution is known, while a resolver is still working. */
  readonly settled: Promise<unknown> | undefined;
}

// Keyed by span object so entries go with their spans; shared by the hooks (which register the
// interception's server span) and the span processor (which registers its descendants).
const states = new WeakMap<Span, InterceptionState>();

export function registerSpan(span: Span, state: InterceptionState): void {
  states.set(span, state);
}

export function stateOfSpan(span: Span | undefined): InterceptionState | undefined {
  return span === undefined ? undefined : states.get(span);
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
