import { trace, type Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import { reportFault } from './guard';
import { registerSpan, resolutionOfSpan } from './span-registry';
import { ATTR_ENDUSER_ID } from './semconv';

/**
 * Stamps `enduser.id` on every span started inside an interception (the upstream call, a database
 * query...), so per-user trace searches find the whole request, not only its server span.
 */
export class InitiatorSpanProcessor implements SpanProcessor {
  onStart(span: Span, parentContext: Context): void {
    try {
      const resolution = resolutionOfSpan(trace.getSpan(parentContext));
      if (resolution === undefined) return;
      registerSpan(span, resolution);
      if (resolution.initiator !== undefined) span.setAttribute(ATTR_ENDUSER_ID, resolution.initiator);
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
