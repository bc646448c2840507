import { ServerResponse, type IncomingMessage } from 'node:http';
import { logs, type Attributes, type Logger, type Span } from '@opentelemetry/api';
import { detectClient } from '../resolution/clients';
import { conversationFrom } from '../resolution/conversation';
import type { InitiatorPolicy } from '../resolution/policy';
import { resolveFromRecord, UNREADABLE } from '../resolution/resolve-request';
import { interceptionPath } from '../resolution/routes';
import type { Provider, Resolution } from '../resolution/types';
import type { AlwaysSample } from '../types';
import type { UsageFormat, UsageOutcome } from '../usage/types';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../version';
import {
  interceptionSpanAttributes,
  isSuccess,
  pendingSpanAttributes,
  rejectionEventAttributes,
  usageSpanAttributes,
} from './attributes';
import { holdEndUntil } from './hold-end';
import type { Instruments } from './instruments';
import { emitInterceptionRecord, type InterceptionFacts } from './interception-record';
import { trackPending } from './pending-work';
import { reportFault } from './plugin-diag';
import { tapResponse, usageOfClosed } from './response-tap';
import { ATTR_GEN_AI_CONVERSATION_ID, EVENT_INITIATOR_OVERRIDE_REJECTED } from './semconv';
import { signalNextServerSpan } from './signal-sampler';
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
  /** The client's session, from its session header. */
  readonly conversation: string | undefined;
  /** The server span and the response, once the response hook has seen them. */
  span: Span | undefined;
  response: ServerResponse | undefined;
}

// Interceptions whose response has not closed yet: an exit records them as cut off.
const inFlight = new Set<Interception>();

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

/** How the response of an interception reports its usage, by provider and endpoint (`path` as routes match it). */
function usageFormatOf(provider: Provider, path: string): UsageFormat {
  if (provider === 'anthropic') return 'anthropic_messages';
  return path.endsWith('/responses') ? 'openai_responses' : 'openai_chat_completions';
}

/**
 * Whether an interception is kept whatever the configured sampler says: a rejected owner header or
 * a credential a resolver could not vouch for (`rejections`), or any owner header (`owner_header`).
 * While a resolver is still working the answer is not known, and a sampler cannot change its mind
 * later: an owner header sent at all is kept.
 */
function carriesSignal(mode: AlwaysSample, resolution: Resolution | undefined, ownerHeaderSent: boolean): boolean {
  if (mode === 'none') return false;
  if (resolution === undefined) return ownerHeaderSent;
  if (resolution.rejection !== undefined) return true;
  return mode === 'rejections' ? resolution.resolverErrors.length > 0 : resolution.override;
}

/** The session the client names in its own session header, when it sends a usable one. */
function conversationOf(request: IncomingMessage, client: string, policy: InitiatorPolicy): string | undefined {
  const headers = policy.clients.sessionHeaders.get(client);
  return headers === undefined ? undefined : conversationFrom(headers, request, headerValues);
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
  /** Which interceptions the signal sampler keeps whatever the configured sampler decides. */
  alwaysSample: AlwaysSample = 'rejections';
  /** Where interception records go: the global logger provider's, unless one is set. */
  logger: Logger = logs.getLogger(PACKAGE_NAME, PACKAGE_VERSION);

  constructor(
    readonly policy: InitiatorPolicy,
    instruments: Instruments,
  ) {
    this.instruments = instruments;
  }

  /** `startIncomingSpanHook`: the attributes the server span starts with. */
  onRequestStart(request: IncomingMessage): Attributes {
    try {
      signalNextServerSpan(false);
      const path = interceptionPath(request.method, request.url);
      const provider = path === undefined ? undefined : this.policy.routes.get(path);
      if (path === undefined || provider === undefined) return NO_ATTRIBUTES;
      const ownerValue = headerValues(request, this.policy.ownerHeader);
      const resolved = resolveFromRecord(request.headers, this.policy, ownerValue);
      // A resolver that must wait names the client later; the span and the conversation need it now.
      const client =
        resolved instanceof Promise ? detectClient(request.headers, undefined, this.policy.clients) : resolved.client;
      const interception: Interception = {
        hooks: this,
        instruments: this.instruments,
        provider,
        format: usageFormatOf(provider, path),
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
        conversation: conversationOf(request, client, this.policy),
        span: undefined,
        response: undefined,
      };
      (request as Carrier)[INTERCEPTION] = interception;
      signalNextServerSpan(carriesSignal(this.alwaysSample, interception.resolution, ownerValue !== undefined));
      this.instruments.started(provider);
      const attributes =
        interception.resolution !== undefined
          ? interceptionSpanAttributes(interception.resolution, provider)
          : pendingSpanAttributes(client, provider);
      if (interception.settled !== undefined) trackPending(interception.settled);
      if (interception.conversation !== undefined) attributes[ATTR_GEN_AI_CONVERSATION_ID] = interception.conversation;
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
      interception.response = response;
      inFlight.add(interception);
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

  /**
   * When the response has closed, or the process exits while it is still being sent: its usage on
   * the span, then the metric points and the interception's record, now or once all is known.
   */
  finish(interception: Interception, response: ServerResponse, cutOff: boolean): void {
    inFlight.delete(interception);
    const durationS = (performance.now() - interception.startedAt) / 1000;
    const statusCode = response.statusCode;
    interception.instruments.ended(interception.provider);
    const usage = usageOfClosed(response);
    const span = interception.span;
    // The interception stays reachable from its span (for its child spans and currentInitiator)
    // until the span is exported; without these it would keep the whole exchange alive with it, the
    // response, the request and the reader, which made the young generation's collections several
    // times as costly under load.
    interception.span = undefined;
    interception.response = undefined;
    const annotate = (outcome: UsageOutcome | undefined): UsageOutcome | undefined => {
      if (outcome !== undefined && span !== undefined && !cutOff) annotateUsage(span, outcome, statusCode);
      return outcome;
    };
    const known = usage instanceof Promise ? undefined : annotate(usage);
    const usageSettled = usage instanceof Promise ? usage.then(annotate) : undefined;
    if (usageSettled !== undefined) {
      trackPending(usageSettled);
      if (span !== undefined && !cutOff) holdEndUntil(span, usageSettled);
    }
    const record = (resolution: Resolution, outcome: UsageOutcome | undefined): void =>
      this.#record(span, {
        resolution,
        provider: interception.provider,
        conversation: interception.conversation,
        outcome,
        statusCode,
        durationS,
        cutOff,
      });
    if (interception.resolution !== undefined && usageSettled === undefined) record(interception.resolution, known);
    else
      void Promise.all([interception.settled ?? interception.resolution, usageSettled ?? known]).then(
        ([resolution, outcome]) => record(resolution!, outcome),
      );
  }

  #record(span: Span | undefined, facts: InterceptionFacts): void {
    const { resolution, provider, statusCode, outcome } = facts;
    try {
      this.instruments.record(resolution, provider, statusCode, facts.durationS);
      if (outcome?.usage !== undefined)
        this.instruments.recordUsage(resolution, provider, outcome.model, outcome.usage);
      else if (outcome?.unavailable !== undefined && isSuccess(statusCode))
        this.instruments.recordUsageUnavailable(outcome.unavailable, resolution.client, provider);
    } catch (error) {
      reportFault('recording interception metrics', error);
    }
    try {
      emitInterceptionRecord(this.logger, span, facts);
    } catch (error) {
      reportFault('emitting the interception record', error);
    }
  }
}

/**
 * Records every interception still in flight as cut off: called when the process is about to exit
 * under them, so that each has its record (with what usage had been seen) before the last flush.
 */
export function recordInFlightAsCutOff(): void {
  for (const interception of [...inFlight]) {
    try {
      const response = interception.response!;
      const request = response.req as Carrier;
      // Recorded here, so not again if the response closes during the exit's flush.
      if (request[INTERCEPTION] !== interception) continue;
      request[INTERCEPTION] = undefined;
      interception.hooks.finish(interception, response, true);
    } catch (error) {
      reportFault('recording an interception cut off by the exit', error);
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
    interception.hooks.finish(interception, this, false);
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
