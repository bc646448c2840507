import { trace, type Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import { reportFault } from './plugin-diag';
import { holdEndUntil } from './hold-end';
import { registerSpan, stateOfSpan } from './span-registry';
import { ATTR_ENDUSER_ID } from './semconv';

/**
 * Stamps `enduser.id` on every span started inside an interception (the upstream call, a database
 * query...), so per-user trace searches find the whole request, not only its server span. A span
 * started while a resolver was still working is held open until the answer is in, and gets it then.
 */
export class InitiatorSpanProcessor implements SpanProcessor {
  onStart(span: Span, parentContext: Context): void {
    try {
      const state = stateOfSpan(trace.getSpan(parentContext));
      if (state === undefined) return;
      registerSpan(span, state);
      if (state.resolution !== undefined) {
        if (state.resolution.initiator !== undefined) span.setAttribute(ATTR_ENDUSER_ID, state.resolution.initiator);
      } else if (state.settled !== undefined) {
        // Started before the resolver answered: it ends once the answer is in, and gets it then.
        holdEndUntil(span, state.settled);
      }
    } catch (error) {
      reportFault('stamping a child span', error);
    }
  }

  onEnding(span: Span): void {
    try {
      const initiator = stateOfSpan(span)?.resolution?.initiator;
      if (initiator !== undefined && span.attributes[ATTR_ENDUSER_ID] === undefined)
        span.setAttribute(ATTR_ENDUSER_ID, initiator);
    } catch (error) {
      reportFault('stamping a child span', error);
    }
  }

  onEnd(_span: ReadableSpan): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
