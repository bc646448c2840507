import type { JsonFormat } from './format';
import { type JsonScanner, SCAN_DONE, SCAN_EMPTY, SCAN_ERROR, SCAN_GAVE_UP } from './json-scanner';
import { type BodyReader, type Interruption, unavailableOutcome, usageOutcome } from './outcome';
import { giveBackScanner, takeScanner } from './scanner-pool';
import { SLOT_INVALID, SLOT_VALUE } from './schema';
import type { UsageOutcome } from './types';
import { Counts, mergeCounts, toPartial, toUsage } from './usage-counts';

/**
 * Reads a non-streaming response: one JSON document, whose top-level `model` and `usage` count. Its
 * scanner is taken at the first byte and given back with the outcome.
 */
export class JsonBodyReader implements BodyReader {
  private scanner: JsonScanner | null = null;
  private result: UsageOutcome | undefined = undefined;

  constructor(private readonly format: JsonFormat) {}

  push(buf: Buffer, start: number, end: number): void {
    (this.scanner ??= takeScanner(this.format.schema)).feed(buf, start, end);
  }

  get satisfied(): boolean {
    return this.scanner !== null && this.scanner.settled;
  }

  outcome(aborted: boolean, interruption: Interruption): UsageOutcome {
    if (this.result === undefined) {
      const scanner = (this.scanner ??= takeScanner(this.format.schema));
      this.result = this.read(scanner, aborted, interruption);
      this.scanner = null;
      giveBackScanner(scanner);
    }
    return this.result;
  }

  private read(scanner: JsonScanner, aborted: boolean, interruption: Interruption): UsageOutcome {
    const { format } = this;
    const status = scanner.finish();
    const slots = scanner.slots;
    const model = slots.model(format.model);
    const counts = new Counts();
    const usageState = slots.states[format.usage.object];
    mergeCounts(slots, format.usage, counts);
    const read = usageState === SLOT_VALUE ? toUsage(counts, format.usage) : undefined;

    if (status === SCAN_ERROR || interruption === 'malformed') return unavailableOutcome(false, model, 'malformed');
    const judged = usageState === SLOT_VALUE || usageState === SLOT_INVALID;
    if (status === SCAN_GAVE_UP || interruption === 'too_large') {
      // A usage object that had closed before the reader gave up is taken as read: only a second
      // `usage` key, further on, could have replaced it.
      if (!judged) return unavailableOutcome(false, model, 'too_large');
      return read !== undefined ? usageOutcome(false, model, read) : unavailableOutcome(false, model, 'malformed');
    }
    if (status === SCAN_DONE) {
      if (!judged) return unavailableOutcome(false, model, 'missing');
      return read !== undefined ? usageOutcome(false, model, read) : unavailableOutcome(false, model, 'malformed');
    }
    if (status === SCAN_EMPTY && !aborted) return unavailableOutcome(false, model, 'missing');
    // Cut off mid-document: a bad figure seen before the cut is still a lie.
    if (counts.invalid) return unavailableOutcome(false, model, 'malformed');
    return unavailableOutcome(false, model, 'truncated', toPartial(counts, format.usage));
  }
}
