import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Attributes, Span } from '@opentelemetry/api';
import { detectClient } from '../resolution/clients';
import type { InitiatorPolicy } from '../resolution/policy';
import { resolveFromRecord, UNREADABLE } from '../resolution/resolve-request';
import { interceptionProvider } from '../resolution/routes';
import type { Provider, Resolution } from '../resolution/types';
import { interceptionSpanAttributes, overrideEventAttributes, pendingSpanAttributes, rejectionEventAttributes } from './attributes';
import { reportFault } from './plugin-diag';
import { holdEndUntil } from './hold-end';
import { trackPendingResolution } from './pending-resolutions';
import type { Instruments } from './instruments';
import { registerSpan, type InterceptionState } from './span-registry';
import { EVENT_INITIATOR_OVERRIDE, EVENT_INITIATOR_OVERRIDE_REJECTED } from './semconv';

interface Interception extends InterceptionState {
  readonly hooks: InterceptionHooks;
  readonly provider: Provider;
  /** `performance.now()` when the request arrived. */
  readonly startedAt: number;
  /** Settles with the Resolution when a resolver had to wait; undefined when it was known at once. */
  readonly settled: Promise<Resolution> | undefined;
}

// From the start hook (which sees only the request) to the response hook (which sees the span) and
// the response's close: kept on the request under a symbol, as a WeakMap entry cost several times
// as much per request.
const INTERCEPTION = Symbol('aibridge-initiator-otel.interception');
type Carrier = { [INTERCEPTION]?: Interception | undefined };

/** What the start hook returns for requests that are not interceptions. */
export const NO_ATTRIBUTES: Attributes = Object.freeze({});

/**
 * The owner header's values. Node joins a repeated header with ", " and a UUID holds no comma, so
 * only a value with a comma needs the (lazily built) per-occurrence view to tell a repeated header
 * from one odd value.
 */
function ownerValues(request: IncomingMessage, name: string): string | readonly string[] | undefined {
  const joined = request.headers[name];
  if (typeof joined !== 'string' || !joined.includes(',')) return joined;
  return request.headersDistinct[name] ?? joined;
}

/**
 * What the plugin does inside the HTTP instrumentation: resolve at span start, annotate the span
 * once it exists, record the metrics when the response closes. When a resolver must wait, the span
 * starts with what is known and gets the rest before it ends; the metrics wait for it too. Each
 * step catches its own faults.
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
      const resolved = resolveFromRecord(request.headers, this.policy, ownerValues(request, this.policy.ownerHeader));
      if (!(resolved instanceof Promise)) {
        (request as Carrier)[INTERCEPTION] = { hooks: this, provider, startedAt: performance.now(), resolution: resolved, settled: undefined };
        return interceptionSpanAttributes(resolved, provider);
      }
      const interception: Interception = {
        hooks: this,
        provider,
        startedAt: performance.now(),
        resolution: undefined,
        settled: resolved.then(
          (resolution) => (interception.resolution = resolution),
          (error: unknown) => {
            reportFault('resolving the initiator', error);
            return (interception.resolution = UNREADABLE);
          },
        ),
      };
      (request as Carrier)[INTERCEPTION] = interception;
      trackPendingResolution(interception.settled!);
      return pendingSpanAttributes(detectClient(request.headers), provider);
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
      registerSpan(span, interception);
      if (interception.resolution !== undefined) addEvents(span, interception.resolution);
      else if (interception.settled !== undefined) {
        holdEndUntil(span, interception.settled.then((resolution) => annotateLate(span, resolution, interception.provider)));
      }
      // Registered before the instrumentation's own 'close' listener, so this runs before the span ends.
      // One function for every response (`on`, not `once`, which wraps it): nothing allocated per request.
      response.on('close', recordWhenClosed);
    } catch (error) {
      reportFault('annotating the interception span', error);
    }
  }

  /** When the response has closed: the metric points, now or once the resolution is known. */
  onResponseClosed(interception: Interception, statusCode: number): void {
    const durationS = (performance.now() - interception.startedAt) / 1000;
    if (interception.resolution !== undefined) this.#record(interception.resolution, interception.provider, statusCode, durationS);
    else void interception.settled?.then((resolution) => this.#record(resolution, interception.provider, statusCode, durationS));
  }

  #record(resolution: Resolution, provider: Provider, statusCode: number, durationS: number): void {
    try {
      this.instruments.record(resolution, provider, statusCode, durationS);
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
    interception.hooks.onResponseClosed(interception, this.statusCode);
  } catch (error) {
    reportFault('recording interception metrics', error);
  }
}

function addEvents(span: Span, resolution: Resolution): void {
  if (resolution.override) span.addEvent(EVENT_INITIATOR_OVERRIDE, overrideEventAttributes(resolution));
  else if (resolution.rejection !== undefined) span.addEvent(EVENT_INITIATOR_OVERRIDE_REJECTED, rejectionEventAttributes(resolution.rejection));
}

function annotateLate(span: Span, resolution: Resolution, provider: Provider): void {
  try {
    span.setAttributes(interceptionSpanAttributes(resolution, provider));
    addEvents(span, resolution);
  } catch (error) {
    reportFault('annotating the interception span', error);
  }
}
