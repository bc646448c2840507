import type { Schema, Slots } from './schema';
import type { Usage } from './types';
import type { UsageLayout } from './usage-counts';

/** Where a JSON response body names its model and usage. */
export interface JsonFormat {
  readonly schema: Schema;
  readonly model: number;
  readonly usage: UsageLayout;
}

/** How a format's event stream carries its model and usage. */
export interface StreamFormat {
  /** The paths followed in each event's data. */
  readonly schema: Schema;
  /** The `event:` names the format tells apart (in the order of its `type` values). */
  readonly eventNames: readonly Uint8Array[];
  create(): StreamAccumulator;
}

/** One stream's usage, built from its events in order. */
export interface StreamAccumulator {
  /**
   * A dispatched event whose data is one JSON document. `eventName`: the index of its `event:` name
   * in `eventNames`, or -1; the data's own `type`, when it has one, wins over it.
   */
  document(slots: Slots, eventName: number): void;
  /** An event whose data is `[DONE]`. */
  done(): void;
  /**
   * Whether, from now on, an event whose first data line is one JSON object naming no usage (no
   * `usage` key, or `"usage":null`) cannot change the outcome: such events are then passed over
   * unread, whatever else they say.
   */
  readonly passesEventsWithoutUsage: boolean;
  /** The stream has said all it will about usage: later events cannot change the outcome. */
  readonly settled: boolean;
  /** The response reached the point where its usage is known (for a stream that ends without it: `missing`). */
  readonly complete: boolean;
  readonly model: string | undefined;
  /** A usage figure read was malformed. */
  readonly malformed: boolean;
  /** The usage, once read completely and well-formed. */
  readonly usage: Usage | undefined;
  /** The figures seen so far, for a stream cut off before its usage. */
  partial(): Partial<Usage>;
}
