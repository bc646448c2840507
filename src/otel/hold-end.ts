import type { Span, TimeInput } from '@opentelemetry/api';
import { reportFault } from './plugin-diag';

/**
 * Keeps a span open until `settled` settles, so it is exported with what arrives by then (the
 * interception's final attributes, a child's `enduser.id`). The end time stays the one asked for:
 * `performance.now()` is what the SDK's span anchors to its own clock.
 */
export function holdEndUntil(span: Span, settled: Promise<unknown>): void {
  let requested: { endTime: TimeInput | undefined } | undefined;
  const held = span as Span & { end: Span['end'] };
  held.end = (endTime) => {
    requested = { endTime: endTime ?? performance.now() };
  };
  void settled
    .finally(() => {
      delete (held as { end?: unknown }).end;
      if (requested !== undefined) span.end(requested.endTime);
    })
    .catch((error: unknown) => reportFault('ending a held span', error));
}
