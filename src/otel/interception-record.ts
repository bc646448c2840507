import { ROOT_CONTEXT, trace, type Attributes, type Logger, type Span } from '@opentelemetry/api';
import { ATTR_HTTP_RESPONSE_STATUS_CODE } from '@opentelemetry/semantic-conventions';
import type { Provider, Resolution } from '../resolution/types';
import type { UsageOutcome } from '../usage/types';
import { interceptionSpanAttributes, usageSpanAttributes } from './attributes';
import {
  ATTR_AIBRIDGE_INTERCEPTION_CUT_OFF,
  ATTR_AIBRIDGE_INTERCEPTION_DURATION,
  ATTR_GEN_AI_CONVERSATION_ID,
  EVENT_INTERCEPTION,
} from './semconv';

/** What an interception's record says, once its response has closed (or the process is exiting under it). */
export interface InterceptionFacts {
  readonly resolution: Resolution;
  readonly provider: Provider;
  readonly conversation: string | undefined;
  readonly outcome: UsageOutcome | undefined;
  readonly statusCode: number;
  readonly durationS: number;
  /** The process exited while the response was still being sent. */
  readonly cutOff: boolean;
}

/**
 * The per-interception record: the server span's attributes, whether or not the span was sampled,
 * plus the status code and the duration. It is the per-user system of record, summed in whatever
 * store the logs go to, so it never carries more than the span may: no credential, no rejected
 * owner header's value.
 */
export function interceptionRecordAttributes(facts: InterceptionFacts): Attributes {
  const attributes = interceptionSpanAttributes(facts.resolution, facts.provider);
  if (facts.conversation !== undefined) attributes[ATTR_GEN_AI_CONVERSATION_ID] = facts.conversation;
  if (facts.outcome !== undefined) Object.assign(attributes, usageSpanAttributes(facts.outcome, facts.statusCode));
  attributes[ATTR_HTTP_RESPONSE_STATUS_CODE] = facts.statusCode;
  attributes[ATTR_AIBRIDGE_INTERCEPTION_DURATION] = facts.durationS;
  if (facts.cutOff) attributes[ATTR_AIBRIDGE_INTERCEPTION_CUT_OFF] = true;
  return attributes;
}

/** Emits the record, tied to the server span's trace and span IDs (sampled or not). */
export function emitInterceptionRecord(logger: Logger, span: Span | undefined, facts: InterceptionFacts): void {
  logger.emit({
    eventName: EVENT_INTERCEPTION,
    attributes: interceptionRecordAttributes(facts),
    ...(span !== undefined && { context: trace.setSpan(ROOT_CONTEXT, span) }),
  });
}
