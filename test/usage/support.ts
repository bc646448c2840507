import { readFileSync } from 'node:fs';
import { createUsageReader } from '../../src/usage/usage-reader';
import type { Usage, UsageFormat, UsageOutcome } from '../../src/usage/types';

export const SSE = 'text/event-stream; charset=utf-8';
export const JSON_TYPE = 'application/json';

export interface Fixture {
  readonly name: string;
  readonly format: UsageFormat;
  readonly contentType: string;
  readonly bytes: Buffer;
  readonly expected: UsageOutcome;
}

function fixture(file: string, format: UsageFormat, expected: UsageOutcome): Fixture {
  const streaming = file.endsWith('.sse');
  return {
    name: file,
    format,
    contentType: streaming ? SSE : JSON_TYPE,
    bytes: readFileSync(new URL(`fixtures/${file}`, import.meta.url)),
    expected,
  };
}

const CHAT_USAGE = { inputTokens: 2345, outputTokens: 876, cacheReadInputTokens: 1920, reasoningOutputTokens: 512 };
const RESPONSES_USAGE = {
  inputTokens: 1830,
  outputTokens: 1214,
  cacheReadInputTokens: 1536,
  reasoningOutputTokens: 832,
};
const ANTHROPIC_USAGE = {
  inputTokens: 12 + 20480 + 1024,
  outputTokens: 431,
  cacheReadInputTokens: 20480,
  cacheCreationInputTokens: 1024,
};
const read = (streaming: boolean, model: string, usage: UsageOutcome['usage']): UsageOutcome => ({
  streaming,
  model,
  usage,
  unavailable: undefined,
  partial: undefined,
});

/** The six shapes, modelled on what the providers send, with what each must read as. */
export const FIXTURES: readonly Fixture[] = [
  fixture('chat-completions.json', 'openai_chat_completions', read(false, 'gpt-5-mini-2025-08-07', CHAT_USAGE)),
  fixture('chat-completions.sse', 'openai_chat_completions', read(true, 'gpt-5-mini-2025-08-07', CHAT_USAGE)),
  fixture('responses.json', 'openai_responses', read(false, 'o4-mini-2025-04-16', RESPONSES_USAGE)),
  fixture('responses.sse', 'openai_responses', read(true, 'o4-mini-2025-04-16', RESPONSES_USAGE)),
  fixture('anthropic-messages.json', 'anthropic_messages', read(false, 'claude-sonnet-4-5-20250929', ANTHROPIC_USAGE)),
  fixture('anthropic-messages.sse', 'anthropic_messages', read(true, 'claude-sonnet-4-5-20250929', ANTHROPIC_USAGE)),
];

export function fixtureNamed(name: string): Fixture {
  const found = FIXTURES.find((f) => f.name === name);
  if (found === undefined) throw new Error(`no fixture ${name}`);
  return found;
}

export interface ReadOptions {
  readonly contentType?: string | undefined;
  readonly contentEncoding?: string | undefined;
  readonly aborted?: boolean;
}

/** Feeds `chunks` to a new reader and resolves with its outcome. */
export function readChunks(
  format: UsageFormat,
  chunks: Iterable<string | Uint8Array>,
  options: ReadOptions = {},
): Promise<UsageOutcome> {
  const reader = createUsageReader(format, {
    contentType: 'contentType' in options ? options.contentType : JSON_TYPE,
    contentEncoding: options.contentEncoding,
  });
  for (const chunk of chunks) reader.write(chunk);
  return new Promise((resolve) => reader.end(options.aborted ?? false, resolve));
}

/** Reads one body, given whole or as text, as a response of `format`. */
export function readBody(
  format: UsageFormat,
  body: string | Uint8Array,
  options: ReadOptions = {},
): Promise<UsageOutcome> {
  return readChunks(format, [body], options);
}

/** A fixture's bytes in chunks of `size` bytes. */
export function chunksOf(bytes: Uint8Array, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(Buffer.from(bytes.subarray(i, i + size)));
  return out;
}

/** `bytes` cut at the given offsets (sorted, within range). */
export function splitAt(bytes: Uint8Array, offsets: readonly number[]): Buffer[] {
  const out: Buffer[] = [];
  let from = 0;
  for (const at of offsets) {
    out.push(Buffer.from(bytes.subarray(from, at)));
    from = at;
  }
  out.push(Buffer.from(bytes.subarray(from)));
  return out;
}

/** Outcomes for the reasons, to compare with `toEqual`. */
export function unavailable(
  streaming: boolean,
  model: string | undefined,
  reason: NonNullable<UsageOutcome['unavailable']>,
  partial?: UsageOutcome['partial'],
): UsageOutcome {
  return {
    streaming,
    model,
    usage: undefined,
    unavailable: reason,
    partial: reason === 'truncated' ? (partial ?? {}) : undefined,
  };
}

/** No lone surrogate (encodeURIComponent refuses them): a check apart from the reader's. */
function isWellFormed(text: string): boolean {
  try {
    encodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
}

/** The contract's check of a model name, written apart from the reader's, for the references of the property tests. */
export function referenceModelOk(model: unknown): model is string {
  return (
    typeof model === 'string' &&
    model.length > 0 &&
    [...model].length <= 256 &&
    isWellFormed(model) &&
    ![...model].some((c) => c.charCodeAt(0) < 0x20 || (c.charCodeAt(0) >= 0x7f && c.charCodeAt(0) <= 0x9f))
  );
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The contract's reading of an OpenAI usage object (Chat Completions' or Responses' names), written
 * apart from the reader's, for the references of the property tests: a whole (input, output) that is
 * missing or not a non-negative safe integer makes it malformed (undefined); a part (cached input,
 * reasoning output) that is not one, sits in a details value that is not an object, or is larger
 * than its whole is left out.
 */
export function referenceOpenAiUsage(u: Json, chat: boolean): Usage | undefined {
  let bad = false;
  const count = (v: unknown): number | undefined => {
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v + 0;
    bad = true;
    return undefined;
  };
  const part = (outer: string, inner: string, whole: number): number | undefined => {
    const details = u[outer];
    if (!isObject(details)) return undefined;
    const v = details[inner];
    return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= whole ? v + 0 : undefined;
  };
  const input = count(chat ? u.prompt_tokens : u.input_tokens);
  const output = count(chat ? u.completion_tokens : u.output_tokens);
  if (bad || input === undefined || output === undefined) return undefined;
  const cached = part(chat ? 'prompt_tokens_details' : 'input_tokens_details', 'cached_tokens', input);
  const reasoning = part(chat ? 'completion_tokens_details' : 'output_tokens_details', 'reasoning_tokens', output);
  return {
    inputTokens: input,
    outputTokens: output,
    ...(cached !== undefined && { cacheReadInputTokens: cached }),
    ...(reasoning !== undefined && { reasoningOutputTokens: reasoning }),
  };
}
