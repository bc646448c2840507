import type { Usage } from './types';
import { SLOT_INVALID, SLOT_VALUE, type Slots } from './schema';

/** The counts a provider reported, in its own terms, before they are mapped to the contract's. */
export class Counts {
  input: number | undefined = undefined;
  output: number | undefined = undefined;
  cacheRead: number | undefined = undefined;
  cacheCreation: number | undefined = undefined;
  reasoning: number | undefined = undefined;
  /** A whole seen was not a non-negative safe integer, or a usage object had the wrong type. */
  invalid = false;

  clear(): void {
    this.input = this.output = this.cacheRead = this.cacheCreation = this.reasoning = undefined;
    this.invalid = false;
  }
}

/** Where a usage object's figures are in a document's slots (-1: the format has no such figure). */
export interface UsageLayout {
  readonly object: number;
  readonly input: number;
  readonly output: number;
  readonly cacheRead: number;
  readonly cacheCreation: number;
  readonly reasoning: number;
  /**
   * OpenAI's input count includes its cached tokens, which are then a part of that whole; Anthropic's
   * excludes cache reads and writes, which are then added to it, and so are wholes of their own.
   */
  readonly inputIncludesCache: boolean;
}

// Wholes decide whether there is usage at all: one that is not a count makes the usage `malformed`.
// Parts (cached input within OpenAI's input, reasoning within any output) only refine a whole: one
// that is not a count, or is larger than its whole, is left out and the wholes are kept. Real
// providers send such parts (OpenRouter relaying Minimax: 11 reasoning tokens of 10 output tokens),
// and losing the interception's tokens over them would undercount it entirely.

/**
 * Copies the figures present in one document's usage object into `counts`: a figure that is absent
 * or null leaves the count as it was, so documents read in turn leave the last value of each; a
 * part that is not a count is dropped.
 */
export function mergeCounts(slots: Slots, layout: UsageLayout, counts: Counts): void {
  if (slots.states[layout.object] === SLOT_INVALID) {
    counts.invalid = true;
    return;
  }
  const cacheIsPart = layout.inputIncludesCache;
  counts.input = figure(slots, layout.input, counts.input, counts, false);
  counts.output = figure(slots, layout.output, counts.output, counts, false);
  counts.cacheRead = figure(slots, layout.cacheRead, counts.cacheRead, counts, cacheIsPart);
  counts.cacheCreation = figure(slots, layout.cacheCreation, counts.cacheCreation, counts, cacheIsPart);
  counts.reasoning = figure(slots, layout.reasoning, counts.reasoning, counts, true);
}

function figure(
  slots: Slots,
  slot: number,
  previous: number | undefined,
  counts: Counts,
  part: boolean,
): number | undefined {
  if (slot < 0) return previous;
  const state = slots.states[slot];
  if (state === SLOT_VALUE) return slots.numbers[slot];
  if (state !== SLOT_INVALID) return previous;
  if (!part) counts.invalid = true;
  return undefined;
}

/**
 * The contract's usage from a provider's complete counts, or undefined when they are malformed:
 * a whole missing or not a safe integer. OpenAI's input already includes cached tokens;
 * Anthropic's excludes cache reads and writes, so they are added. A part larger than its whole is
 * left out, so the token partition (uncached input, cache reads, cache writes, output) is never
 * negative.
 */
export function toUsage(counts: Counts, layout: UsageLayout): Usage | undefined {
  if (counts.invalid || counts.input === undefined || counts.output === undefined) return undefined;
  const partial = toPartial(counts, layout);
  return partial.inputTokens === undefined ? undefined : (partial as Usage);
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** What the counts seen so far say, mapped as in `toUsage`, for a response cut off before its usage. */
export function toPartial(counts: Counts, layout: UsageLayout): Partial<Usage> {
  const { output } = counts;
  let { cacheRead, cacheCreation, reasoning } = counts;
  let input = counts.input;
  if (input !== undefined && !layout.inputIncludesCache) input += (cacheRead ?? 0) + (cacheCreation ?? 0);
  if (input !== undefined && !Number.isSafeInteger(input)) input = undefined;
  if (input !== undefined) {
    if ((cacheRead ?? 0) > input) cacheRead = undefined;
    if ((cacheRead ?? 0) + (cacheCreation ?? 0) > input) cacheCreation = undefined;
  }
  if (output !== undefined && (reasoning ?? 0) > output) reasoning = undefined;
  const usage: Mutable<Partial<Usage>> = {};
  if (input !== undefined) usage.inputTokens = input;
  if (output !== undefined) usage.outputTokens = output;
  if (cacheRead !== undefined) usage.cacheReadInputTokens = cacheRead;
  if (cacheCreation !== undefined) usage.cacheCreationInputTokens = cacheCreation;
  if (reasoning !== undefined) usage.reasoningOutputTokens = reasoning;
  return usage;
}
