import type { Span, TimeInput } from '@opentelemetry/api';
import { reportFault } from './plugin-diag';

interface Hold {
  pending: number;
  requested: { endTime: TimeInput | undefined } | undefined;
}

const HOLD = Symbol('aibridge-initiator-otel.hold');
type Holdable = Span & { [HOLD]?: Hold; end: Span['end'] };

/**
 * Keeps a span open until `settled` settles, so it is exported with what arrives by then (the
 * interception's final attributes, a child's `enduser.id`, usage read from a compressed body).
 * Holds add up: the span ends once every one has settled. The end time stays the one asked for:
 * `performance.now()` is what the SDK's span anchors to its own clock.
 */
export function holdEndUntil(span: Span, settled: Promise<unknown>): void {
  const held = span as Holdable;
  let hold = held[HOLD];
  if (hold === undefined) {
    const created: Hold = { pending: 0, requested: undefined };
    hold = created;
    held[HOLD] = created;
    held.end = (endTime) => {
      created.requested = { endTime: endTime ?? performance.now() };
    };
  }
  const current = hold;
  current.pending += 1;
  void settled
    .finally(() => {
      current.pending -= 1;
      if (current.pending > 0) return;
      delete (held as { end?: unknown }).end;
      delete held[HOLD];
      if (current.requested !== undefined) span.end(current.requested.endTime);
    })
    .catch((error: unknown) => reportFault('ending a held span', error));
}
