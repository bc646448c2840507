import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Attributes, Span } from '@opentelemetry/api';
import { interceptionProvider } from '../resolution/routes';
import { resolveFromRecord } from '../resolution/resolve-initiator';
import type { InitiatorPolicy } from '../resolution/policy';
import type { Provider, Resolution } from '../resolution/types';
import {
  durationMetricAttributes,
  interceptionMetricAttributes,
  interceptionSpanAttributes,
  overrideEventAttributes,
  rejectionEventAttributes,
  rejectionMetricAttributes,
} from './attributes';
import { reportFault } from './guard';
import type { Instruments } from './instruments';
import { registerSpan } from './span-registry';
import { EVENT_INITIATOR_OVERRIDE, EVENT_INITIATOR_OVERRIDE_REJECTED } from './semconv';

interface Interception {
  readonly provider: Provider;
  readonly resolution: Resolution;
  /** `performance.now()` when the request arrived. */
  readonly startedAt: number;
}

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
 * once it exists, record the metrics when the response closes. Each step catches its own faults.
 */
export class InterceptionHooks {
  // From the start hook (which sees only the request) to the response hook (which sees the span).
  readonly #pending = new WeakMap<IncomingMessage, Interception>();
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
      const resolution = resolveFromRecord(request.headers, this.policy, ownerValues(request, this.policy.ownerHeader));
      this.#pending.set(request, { provider, resolution, startedAt: performance.now() });
      return interceptionSpanAttributes(resolution, provider);
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
      const request = response.req;
      const interception = this.#pending.get(request);
      if (interception === undefined) return;
      this.#pending.delete(request);
      const { resolution } = interception;
      registerSpan(span, resolution);
      if (resolution.override) span.addEvent(EVENT_INITIATOR_OVERRIDE, overrideEventAttributes(resolution));
      else if (resolution.rejection !== undefined) {
        span.addEvent(EVENT_INITIATOR_OVERRIDE_REJECTED, rejectionEventAttributes(resolution.rejection));
      }
      // Registered before the instrumentation's own 'close' listener, so this runs before the span ends.
      response.once('close', () => this.#onResponseClosed(interception, response.statusCode));
    } catch (error) {
      reportFault('annotating the interception span', error);
    }
  }

  #onResponseClosed(interception: Interception, statusCode: number): void {
    try {
      const { provider, resolution } = interception;
      const { interceptions, rejections, duration } = this.instruments;
      interceptions.add(1, interceptionMetricAttributes(resolution, provider, statusCode));
      if (resolution.rejection !== undefined) {
        rejections.add(1, rejectionMetricAttributes(resolution.rejection, resolution.client));
      }
      duration.record((performance.now() - interception.startedAt) / 1000, durationMetricAttributes(resolution, provider));
    } catch (error) {
      reportFault('recording interception metrics', error);
    }
  }
}
