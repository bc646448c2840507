import {
  SpanKind,
  SamplingDecision,
  type Attributes,
  type Context,
  type Link,
  type Sampler,
  type SamplingResult,
} from '@opentelemetry/api';

/**
 * The signal of the server span about to start. The HTTP instrumentation calls the start hook,
 * then starts the span, synchronously: the hook leaves here what it decided, and the sampler of
 * that span takes it. Nothing else can start a server span in between.
 */
let nextServerSpanSignal = false;

/** Called by the start hook of every incoming request, interception or not. */
export function signalNextServerSpan(signal: boolean): void {
  nextServerSpanSignal = signal;
}

const SAMPLED: SamplingResult = Object.freeze({ decision: SamplingDecision.RECORD_AND_SAMPLED });

/**
 * Samples every interception that carries a security signal (see `alwaysSample`), whatever the
 * configured sampler would decide; everything else is exactly as configured, parent-based
 * decisions included.
 */
export class SignalSampler implements Sampler {
  constructor(readonly configured: Sampler) {}

  shouldSample(
    context: Context,
    traceId: string,
    spanName: string,
    spanKind: SpanKind,
    attributes: Attributes,
    links: Link[],
  ): SamplingResult {
    if (spanKind === SpanKind.SERVER) {
      const signal = nextServerSpanSignal;
      nextServerSpanSignal = false;
      if (signal) return SAMPLED;
    }
    return this.configured.shouldSample(context, traceId, spanName, spanKind, attributes, links);
  }

  toString(): string {
    return `SignalSampler{${this.configured.toString()}}`;
  }
}
