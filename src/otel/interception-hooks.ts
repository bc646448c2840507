import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Attributes, Span } from '@opentelemetry/api';
import { detectClient } from '../resolution/clients';
import { CONVERSATION_HEADERS, conversationIdOf } from '../resolution/conversation';
import type { InitiatorPolicy } from '../resolution/policy';
import { resolveFromRecord, UNREADABLE } from '../resolution/resolve-request';
import { interceptionProvider } from '../resolution/routes';
import type { Provider, Resolution } from '../resolution/types';
import type { UsageFormat, UsageOutcome } from '../usage/types';
import {
  interceptionSpanAttributes,
  isSuccess,
  pendingSpanAttributes,
  rejectionEventAttributes,
  usageSpanAttributes,
} from './attributes';
import { holdEndUntil } from './hold-end';
import type { Instruments } from './instruments';
import { trackPendingResolution } from './pending-resolutions';
import { reportFault } from './plugin-diag';
import { tapResponse, usageOfClosed } from './response-tap';
import { ATTR_GEN_AI_CONVERSATION_ID, EVENT_INITIATOR_OVERRIDE_REJECTED } from './semconv';
import { registerSpan, type InterceptionState } from './span-registry';

interface Interception extends InterceptionState {
  readonly hooks: InterceptionHooks;
  /** The instruments it was counted as active with, so that it leaves the same count. */
  readonly instruments: Instruments;
  readonly provider: Provider;
  readonly format: UsageFormat;
  /** `performance.now()` when the request arrived. */
  readonly startedAt: number;
  /** Settles with the Resolution when a resolver had to wait; undefined when it was known at once. */
  readonly settled: Promise<Resolution> | undefined;
  /** The server span, once the response hook has seen it. */
  span: Span | undefined;
}

// From the start hook (which sees only the request) to the response hook (which sees the span) and
// the response's close: kept on the request under a symbol, as a WeakMap entry cost several times
// as much per request.
const INTERCEPTION = Symbol('aibridge-initiator-otel.interception');
type Carrier = { [INTERCEPTION]?: Interception | undefined };

/** What the start hook returns for requests that are not interceptions. */
export const NO_ATTRIBUTES: Attributes = Object.freeze({});

/**
 * A header's values. Node joins a repeated header with ", ", so only a value with a comma needs
 * the (lazily built) per-occurrence view to tell a repeated header from one odd value.
 */
function headerValues(request: IncomingMessage, name: string): string | readonly string[] | undefined {
  const joined = request.headers[name];
  if (typeof joined !== 'string' || !joined.includes(',')) return joined;
  return request.headersDistinct[name] ?? joined;
}

/** How the response of an interception reports its usage, by provider and endpoint. */
function usageFormatOf(provider: Provider, url: string | undefined): UsageFormat {
  if (provider === 'anthropic') return 'anthropic_messages';
  const path = (url ?? '').split('?', 1)[0]!.toLowerCase().replace(/\/$/, '');
  return path.endsWith('/responses') ? 'openai_responses' : 'openai_chat_completions';
}

/**
 * What the plugin does inside the HTTP instrumentation: resolve at span start, annotate the span
 * once it exists, read the response's usage as it passes, record the metrics when the response
 * closes. When a resolver must wait, or a compressed body is still being read, the span starts
 * with what is known and gets the rest before it ends; the metrics wait for it too. Each step
 * catches its own faults.
 */
export class InterceptionHooks {
  instruments: Instruments;

  constructor(
    readonly policy: InitiatorPolicy,
    instruments: Instruments,
  ) {
    this.instruments = instruments;
  }

  /** `startIncomingSpanHook`: the attributes the server span starts with. */
  onRequestStart(request: IncomingMessage): Attributes {
    try {
      const provider = interceptionProvider(request.method, request.url, this.policy.routes);
      if (provider === undefined) return NO_ATTRIBUTES;
      const resolved = resolveFromRecord(request.headers, this.policy, headerValues(request, this.policy.ownerHeader));
      const interception: Interception = {
        hooks: this,
        instruments: this.instruments,
        provider,
        format: usageFormatOf(provider, request.url),
        startedAt: performance.now(),
        resolution: resolved instanceof Promise ? undefined : resolved,
        settled:
          resolved instanceof Promise
            ? resolved.then(
                (resolution) => (interception.resolution = resolution),
                (error: unknown) => {
                  reportFault('resolving the initiator', error);
                  return (interception.resolution = UNREADABLE);
                },
              )
            : undefined,
        span: undefined,
      };
      (request as Carrier)[INTERCEPTION] = interception;
      this.instruments.started(provider);
      const client = interception.resolution?.client ?? detectClient(request.headers);
      const attributes =
        interception.resolution !== undefined
          ? interceptionSpanAttributes(interception.resolution, provider)
          : pendingSpanAttributes(client, provider);
      if (interception.settled !== undefined) trackPendingResolution(interception.settled);
      const sessionHeader = CONVERSATION_HEADERS[client];
      const conversation =
        sessionHeader === undefined ? undefined : conversationIdOf(headerValues(request, sessionHeader));
      if (conversation !== undefined) attributes[ATTR_GEN_AI_CONVERSATION_ID] = conversation;
      return attributes;
    } catch (error) {
      reportFault('resolving the initiator', error);
      return NO_ATTRIBUTES;
    }
  }

  /**
   * `responseHook`, called once the server span exists and before the gateway handles the request.
   * The instrumentation also calls it with the responses of outgoing requests: those are skipped.
   */
  onSpanStarted(span: Span, response: IncomingMessage | ServerResponse): void {
    if (!(response instanceof ServerResponse)) return;
    try {
      const interception = (response.req as Carrier)[INTERCEPTION];
      if (interception === undefined) return;
      // First, so that an interception counted as active always leaves the count.
      // Registered before the instrumentation's own 'close' listener, so this runs before the span ends.
      // One function for every response (`on`, not `once`, which wraps it): nothing allocated per request.
      response.on('close', recordWhenClosed);
      interception.span = span;
      registerSpan(span, interception);
      if (interception.resolution !== undefined) addRejectionEvent(span, interception.resolution);
      else if (interception.settled !== undefined) {
        holdEndUntil(
          span,
          interception.settled.then((resolution) => annotateLate(span, resolution, interception.provider)),
        );
      }
      tapResponse(response, interception.format);
    } catch (error) {
      reportFault('annotating the interception span', error);
    }
  }

  /** When the response has closed: its usage on the span, and the metric points, now or once all is known. */
  onResponseClosed(interception: Interception, response: ServerResponse): void {
    const durationS = (performance.now() - interception.startedAt) / 1000;
    const statusCode = response.statusCode;
    interception.instruments.ended(interception.provider);
    const usage = usageOfClosed(response);
    const span = interception.span;
    const annotate = (outcome: UsageOutcome | undefined): UsageOutcome | undefined => {
      if (outcome !== undefined && span !== undefined) annotateUsage(span, outcome, statusCode);
      return outcome;
    };
    const known = usage instanceof Promise ? undefined : annotate(usage);
    const usageSettled = usage instanceof Promise ? usage.then(annotate) : undefined;
    if (usageSettled !== undefined && span !== undefined) holdEndUntil(span, usageSettled);
    const record = (resolution: Resolution, outcome: UsageOutcome | undefined): void =>
      this.#record(resolution, interception.provider, statusCode, durationS, outcome);
    if (interception.resolution !== undefined && usageSettled === undefined) record(interception.resolution, known);
    else
      void Promise.all([interception.settled ?? interception.resolution, usageSettled ?? known]).then(
        ([resolution, outcome]) => record(resolution!, outcome),
      );
  }

  #record(
    resolution: Resolution,
    provider: Provider,
    statusCode: number,
    durationS: number,
    outcome: UsageOutcome | undefined,
  ): void {
    try {
      this.instruments.record(resolution, provider, statusCode, durationS);
      if (outcome?.usage !== undefined)
        this.instruments.recordUsage(resolution, provider, outcome.model, outcome.usage);
      else if (outcome?.unavailable !== undefined && isSuccess(statusCode))
        this.instruments.recordUsageUnavailable(outcome.unavailable, resolution.client, provider);
    } catch (error) {
      reportFault('recording interception metrics', error);
    }
  }
}

function recordWhenClosed(this: ServerResponse): void {
  try {
    const request = this.req as Carrier;
    const interception = request[INTERCEPTION];
    if (interception === undefined) return;
    // Counted once, whatever else listens for this close.
    request[INTERCEPTION] = undefined;
    interception.hooks.onResponseClosed(interception, this);
  } catch (error) {
    reportFault('recording interception metrics', error);
  }
}

function addRejectionEvent(span: Span, resolution: Resolution): void {
  if (resolution.rejection !== undefined)
    span.addEvent(EVENT_INITIATOR_OVERRIDE_REJECTED, rejectionEventAttributes(resolution.rejection));
}

function annotateLate(span: Span, resolution: Resolution, provider: Provider): void {
  try {
    span.setAttributes(interceptionSpanAttributes(resolution, provider));
    addRejectionEvent(span, resolution);
  } catch (error) {
    reportFault('annotating the interception span', error);
  }
}

function annotateUsage(span: Span, outcome: UsageOutcome, statusCode: number): void {
  try {
    span.setAttributes(usageSpanAttributes(outcome, statusCode));
  } catch (error) {
    reportFault('annotating the interception span', error);
  }
}
