/** The wire format of an interception's response, named after the provider API that defines it. */
export type UsageFormat = 'openai_chat_completions' | 'openai_responses' | 'anthropic_messages';

/** Why a response's usage could not be read (the values of `aibridge.usage.unavailable`). */
export type UsageUnavailableReason = 'missing' | 'truncated' | 'malformed' | 'encoded' | 'too_large';

/**
 * Token counts as the contract defines them: input includes cached (Anthropic: the sum of its three
 * input figures); output includes reasoning.
 */
export interface Usage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadInputTokens?: number;
  readonly cacheCreationInputTokens?: number;
  readonly reasoningOutputTokens?: number;
}

export interface UsageOutcome {
  /** The response is `text/event-stream`. */
  readonly streaming: boolean;
  /**
   * The model the response names (JSON: top-level `model`; streams: as DESIGN.md says per format),
   * when seen and well-formed (printable, 1 to 256 characters). Known even when usage is not.
   */
  readonly model: string | undefined;
  /** Set iff the usage was read completely and every count is a non-negative safe integer. */
  readonly usage: Usage | undefined;
  /** Set iff `usage` is undefined. */
  readonly unavailable: UsageUnavailableReason | undefined;
  /**
   * Set iff `unavailable` is `truncated` (possibly empty): the counts seen before the response was cut
   * off, mapped as in `Usage`, for a later per-interception record.
   */
  readonly partial: Partial<Usage> | undefined;
}

export interface UsageReader {
  /**
   * Observes a chunk exactly as the gateway passes it to `res.write`/`res.end` (string with an
   * encoding, or bytes). Never throws, never keeps a reference to the chunk, never modifies it.
   */
  write(chunk: string | Uint8Array, encoding?: BufferEncoding): void;
  /**
   * The response ended (`aborted` false) or closed before its end (true). Calls `done` exactly once:
   * synchronously, unless a compressed body is still being inflated, then once it is. Never throws.
   * A later call gets the same outcome; writes after the first call are ignored.
   */
  end(aborted: boolean, done: (outcome: UsageOutcome) => void): void;
}
