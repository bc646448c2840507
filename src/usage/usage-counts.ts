import type { Usage } from './types';
import { SLOT_INVALID, SLOT_VALUE, type Slots } from './schema';

/** The counts a provider reported, in its own terms, before they are mapped to the contract's. */
export class Counts {
  input: number | undefined = undefined;
  output: number | undefined = undefined;
  cacheRead: number | undefined = undefined;
  cacheCreation: number | undefined = undefined;
  reasoning: number | undefined = undefined;
  /** A count seen was not a non-negative safe integer, or a usage object had the wrong type. */
  invalid = false;

  clear(): void {
    this.input = this.output = this.cacheRead = this.cacheCreation = this.reasoning = undefined;
    this.invalid = false;
  }
}

/** Where a usage object's figures are in a document's slots (-1: the format has no such figure). */
export interface UsageLayout {
  readonly object: number;
  /** Objects nested in the usage object (`*_details`): one of the wrong type makes it malformed. */
  readonly nested: readonly number[];
  readonly input: number;
  readonly output: number;
  readonly cacheRead: number;
  readonly cacheCreation: number;
  readonly reasoning: number;
}

/**
 * Copies the figures present in one document's usage object into `counts`: a figure that is absent
 * or null leaves the count as it was, so documents read in turn leave the last value of each.
 */
export function mergeCounts(slots: Slots, layout: UsageLayout, counts: Counts): void {
  const states = slots.states;
  if (states[layout.object] === SLOT_INVALID) {
    counts.invalid = true;
    return;
  }
  for (const nested of layout.nested) if (states[nested] === SLOT_INVALID) counts.invalid = true;
  counts.input = figure(slots, layout.input, counts.input, counts);
  counts.output = figure(slots, layout.output, counts.output, counts);
  counts.cacheRead = figure(slots, layout.cacheRead, counts.cacheRead, counts);
  counts.cacheCreation = figure(slots, layout.cacheCreation, counts.cacheCreation, counts);
  counts.reasoning = figure(slots, layout.reasoning, counts.reasoning, counts);
}

function figure(slots: Slots, slot: number, previous: number | undefined, counts: Counts): number | undefined {
  if (slot < 0) return previous;
  const state = slots.states[slot];
  if (state === SLOT_VALUE) return slots.numbers[slot];
  if (state === SLOT_INVALID) counts.invalid = true;
  return previous;
}

/**
 * The contract's usage from a provider's complete counts, or undefined when they are malformed:
 * a count missing, not a safe integer, or a part larger than its whole. OpenAI's input already
 * includes cached tokens; Anthropic's excludes cache reads and writes, so they are added.
 */
export function toUsage(counts: Counts, inputIncludesCache: boolean): Usage | undefined {
  const { output, cacheRead, cacheCreation, reasoning } = counts;
  if (counts.invalid || counts.input === undefined || output === undefined) return undefined;
  const input = inputIncludesCache ? counts.input : counts.input + (cacheRead ?? 0) + (cacheCreation ?? 0);
  if (!Number.isSafeInteger(input)) return undefined;
  if ((cacheRead ?? 0) + (cacheCreation ?? 0) > input || (reasoning ?? 0) > output) return undefined;
  const usage: Mutable<Usage> = { inputTokens: input, outputTokens: output };
  if (cacheRead !== undefined) usage.cacheReadInputTokens = cacheRead;
  if (cacheCreation !== undefined) usage.cacheCreationInputTokens = cacheCreation;
  if (reasoning !== undefined) usage.reasoningOutputTokens = reasoning;
  return usage;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** What the counts seen so far say, mapped as in `toUsage`, for a response cut off before its usage. */
export function toPartial(counts: Counts, inputIncludesCache: boolean): Partial<Usage> {
  const { output, cacheRead, cacheCreation, reasoning } = counts;
  let input = counts.input;
  if (input !== undefined && !inputIncludesCache) input += (cacheRead ?? 0) + (cacheCreation ?? 0);
  const partial: Mutable<Partial<Usage>> = {};
  if (input !== undefined && Number.isSafeInteger(input)) partial.inputTokens = input;
  if (output !== undefined) partial.outputTokens = output;
  if (cacheRead !== undefined) partial.cacheReadInputTokens = cacheRead;
  if (cacheCreation !== undefined) partial.cacheCreationInputTokens = cacheCreation;
  if (reasoning !== undefined) partial.reasoningOutputTokens = reasoning;
  return partial;
}
