import type { Usage, UsageOutcome, UsageUnavailableReason } from './types';

export function usageOutcome(streaming: boolean, model: string | undefined, usage: Usage): UsageOutcome {
  return { streaming, model, usage, unavailable: undefined, partial: undefined };
}

/** `partial` is kept only for `truncated`, the one reason where some usage may have been seen. */
export function unavailableOutcome(
  streaming: boolean,
  model: string | undefined,
  reason: UsageUnavailableReason,
  partial: Partial<Usage> = {},
): UsageOutcome {
  return {
    streaming,
    model,
    usage: undefined,
    unavailable: reason,
    partial: reason === 'truncated' ? partial : undefined,
  };
}

/** What a body reader is told when its bytes stopped coming for a reason of the reader's own. */
export type Interruption = 'malformed' | 'too_large' | undefined;

/** A reader of decoded response bytes. */
export interface BodyReader {
  push(buf: Buffer, start: number, end: number): void;
  /**
   * A chunk written as a UTF-8 string, read without encoding it when the reader can tell from the
   * text alone what its bytes would do; false when it cannot, and the caller then pushes its bytes.
   */
  pushText?(text: string): boolean;
  /** More bytes cannot change the outcome: the reader may stop decoding and feeding them. */
  readonly satisfied: boolean;
  /**
   * The outcome once the body has ended (`aborted`: before its end). `interruption`: decoding stopped
   * early, because the compressed bytes were corrupt or more than the reader would queue.
   */
  outcome(aborted: boolean, interruption: Interruption): UsageOutcome;
}
