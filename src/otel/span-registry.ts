import { context as otelContext, trace, type Context, type Span } from '@opentelemetry/api';
import type { Resolution } from '../resolution/types';

// Keyed by span object so entries go with their spans; shared by the hooks (which register the
// interception's server span) and the span processor (which registers its descendants).
const resolutions = new WeakMap<Span, Resolution>();

export function registerSpan(span: Span, resolution: Resolution): void {
  resolutions.set(span, resolution);
}

export function resolutionOfSpan(span: Span | undefined): Resolution | undefined {
  return span === undefined ? undefined : resolutions.get(span);
}

/**
 * The Resolution of the interception the given context (by default the active one) runs in, or
 * undefined outside an interception.
 *
 * @example
 * app.post('/v1/messages', (req, res) => {
 *   const who = currentInitiator()?.initiator;
 * });
 */
export function currentInitiator(context: Context = otelContext.active()): Resolution | undefined {
  return resolutionOfSpan(trace.getSpan(context));
}
