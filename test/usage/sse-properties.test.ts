import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Usage, UsageFormat, UsageOutcome } from '../../src/usage/types';
import { readChunks, referenceModelOk, referenceOpenAiUsage, splitAt, SSE } from './support';

// Seeded, so a failure names a case anyone can replay; PROPERTY_RUNS raises the counts for soaks.
const SEED = Number(process.env.PROPERTY_SEED ?? 20261129);
const runs = (n: number) => Number(process.env.PROPERTY_RUNS ?? n);

// ---------------------------------------------------------------------------------------------
// The reference: the WHATWG interpretation on strings, JSON.parse, and the rules of DESIGN.md.

interface Event {
  readonly name: string;
  readonly data: string;
  readonly firstLine: string;
}

function referenceEvents(text: string): Event[] {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const lines = body.split(/\r\n|\r|\n/);
  lines.pop(); // after the last line end: a line the stream ended in the middle of
  const out: Event[] = [];
  let data: string[] = [];
  let name = '';
  for (const line of lines) {
    if (line === '') {
      if (data.length > 0) out.push({ name, data: data.join('\n'), firstLine: data[0]! });
      data = [];
      name = '';
      continue;
    }
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') name = value;
  }
  return out;
}

/** A line that is one JSON object (by its first and last characters) with no `usage` key valued other than null. */
function namesNoUsage(line: string): boolean {
  const trimmed = line.replace(/^[ \t]+|[ \t]+$/g, '');
  return (
    trimmed.length >= 2 &&
    trimmed.startsWith('{') &&
    trimmed.endsWith('}') &&
    !/"usage"[ \t]*:[ \t]*(?!null)/.test(line)
  );
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Counts as the provider gave them; `bad` once one is not a non-negative safe integer. */
class RefCounts {
  values: Record<string, number> = {};
  bad = false;
  take(key: string, v: unknown): void {
    if (v === undefined || v === null) return;
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) this.values[key] = v + 0;
    else this.bad = true;
  }
}

const ANTHROPIC_TYPES = ['message_start', 'message_delta', 'message_stop'];
const RESPONSES_TYPES = [
  'response.completed',
  'response.incomplete',
  'response.failed',
  'response.created',
  'response.in_progress',
  'response.queued',
];

function reference(format: UsageFormat, text: string): UsageOutcome {
  let model: string | undefined;
  let usage: Usage | undefined;
  let malformed = false;
  let complete = false;
  let topLevel = false;
  let partial: Partial<Usage> = {};
  const anthropic = new RefCounts();
  let sawAnthropicUsage = false;
  const mergeAnthropic = (u: unknown) => {
    if (u === undefined || u === null) return;
    sawAnthropicUsage = true;
    if (!isObject(u)) {
      anthropic.bad = true;
      return;
    }
    anthropic.take('input', u.input_tokens);
    anthropic.take('output', u.output_tokens);
    anthropic.take('read', u.cache_read_input_tokens);
    anthropic.take('creation', u.cache_creation_input_tokens);
  };

  const types = format === 'anthropic_messages' ? ANTHROPIC_TYPES : RESPONSES_TYPES;
  for (const event of referenceEvents(text)) {
    if (complete) break;
    // Passed over unread: an event named for a kind the format does not read, and a chunk that
    // names no usage once the model is known.
    if (format !== 'openai_chat_completions' && event.name !== '' && !types.includes(event.name)) continue;
    if (format === 'openai_chat_completions' && model !== undefined && namesNoUsage(event.firstLine)) continue;
    if (event.data.replace(/[ \t\n]+$/, '') === '[DONE]') {
      if (format === 'openai_chat_completions') complete = true;
      continue;
    }
    if (/^[ \t\n]*$/.test(event.data)) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(event.data);
    } catch {
      // An event that may carry usage and is not JSON.
      malformed = true;
      continue;
    }
    const doc: Json = isObject(parsed) ? parsed : {};
    if (format === 'openai_chat_completions') {
      if (referenceModelOk(doc.model)) model = doc.model;
      // Groq's copy under `x_groq` counts until a top-level usage comes.
      let carried: unknown = doc.usage;
      if (carried !== undefined && carried !== null) topLevel = true;
      else if (!topLevel && isObject(doc.x_groq)) carried = doc.x_groq.usage;
      if (carried === undefined || carried === null) continue;
      const u = isObject(carried) ? referenceOpenAiUsage(carried, true) : undefined;
      if (u === undefined) malformed = true;
      else usage = u;
      continue;
    }
    if ('type' in doc && typeof doc.type === 'string' && !types.includes(doc.type)) continue;
    const type =
      'type' in doc ? (typeof doc.type === 'string' ? types.indexOf(doc.type) : -1) : types.indexOf(event.name);
    if (format === 'anthropic_messages') {
      if (type === 0 && isObject(doc.message)) {
        if (referenceModelOk(doc.message.model)) model = doc.message.model;
        mergeAnthropic(doc.message.usage);
      } else if (type === 1) mergeAnthropic(doc.usage);
      else if (type === 2) complete = true;
      if (anthropic.bad) malformed = true;
    } else {
      const response = isObject(doc.response) ? doc.response : undefined;
      if (response !== undefined && referenceModelOk(response.model)) model = response.model;
      if (type < 0 || type >= 3) continue;
      complete = true;
      if (response === undefined || response.usage === undefined || response.usage === null) continue;
      const u = isObject(response.usage) ? referenceOpenAiUsage(response.usage, false) : undefined;
      if (u === undefined) malformed = true;
      else usage = u;
    }
  }
  if (format === 'anthropic_messages') {
    const { input, output, read, creation } = anthropic.values;
    const sum = input === undefined ? undefined : input + (read ?? 0) + (creation ?? 0);
    if (complete && sawAnthropicUsage && !malformed) {
      if (sum !== undefined && output !== undefined && Number.isSafeInteger(sum)) {
        usage = {
          inputTokens: sum,
          outputTokens: output,
          ...(read !== undefined && { cacheReadInputTokens: read }),
          ...(creation !== undefined && { cacheCreationInputTokens: creation }),
        };
      } else malformed = true;
    }
    partial = {
      ...(sum !== undefined && Number.isSafeInteger(sum) && { inputTokens: sum }),
      ...(output !== undefined && { outputTokens: output }),
      ...(read !== undefined && { cacheReadInputTokens: read }),
      ...(creation !== undefined && { cacheCreationInputTokens: creation }),
    };
  }
  const base = { streaming: true, model };
  if (malformed) return { ...base, usage: undefined, unavailable: 'malformed', partial: undefined };
  if (usage !== undefined) return { ...base, usage, unavailable: undefined, partial: undefined };
  if (complete) return { ...base, usage: undefined, unavailable: 'missing', partial: undefined };
  return { ...base, usage: undefined, unavailable: 'truncated', partial };
}

// ---------------------------------------------------------------------------------------------
// Events as the providers send them, with values of every sort where the counts and models go.

const count = fc.oneof(
  { weight: 12, arbitrary: fc.nat(5000) },
  fc.constantFrom(-1, 1.5, '7', true, null, 9007199254740992, {}, [3], 0),
);
const model = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('gpt-4o-mini', 'claude-sonnet-4-5', 'gpt-5') },
  fc.constantFrom('', 7, null, 'x\u0001', '\ud800'),
  fc.string({ maxLength: 10 }),
);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 4 });
const record = (shape: Record<string, fc.Arbitrary<unknown>>) =>
  fc.record(shape).map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)));

const chatUsage = fc.oneof(
  {
    weight: 6,
    arbitrary: record({
      prompt_tokens: maybe(count),
      completion_tokens: maybe(count),
      total_tokens: maybe(count),
      prompt_tokens_details: maybe(fc.oneof(record({ cached_tokens: maybe(count) }), fc.constant(null))),
      completion_tokens_details: maybe(record({ reasoning_tokens: maybe(count) })),
    }),
  },
  fc.constantFrom(null, null, null, 5, 'usage'),
);
const responsesUsage = fc.oneof(
  {
    weight: 6,
    arbitrary: record({
      input_tokens: maybe(count),
      output_tokens: maybe(count),
      input_tokens_details: maybe(record({ cached_tokens: maybe(count) })),
      output_tokens_details: maybe(record({ reasoning_tokens: maybe(count) })),
    }),
  },
  fc.constantFrom(null, [], 'usage'),
);
const anthropicUsage = fc.oneof(
  {
    weight: 6,
    arbitrary: record({
      input_tokens: maybe(count),
      output_tokens: maybe(count),
      cache_read_input_tokens: maybe(count),
      cache_creation_input_tokens: maybe(count),
      service_tier: maybe(fc.constant('standard')),
    }),
  },
  fc.constantFrom(null, 3),
);
const text = fc.string({ maxLength: 12 });
const decoyUsage = fc.constant({ input_tokens: 999, output_tokens: 999, prompt_tokens: 999, completion_tokens: 999 });

/** An event's data value and its `event:` name (empty for none). */
type Spec = { readonly name: string; readonly data: unknown };

const chatEvent: fc.Arbitrary<Spec> = fc.oneof(
  {
    weight: 8,
    arbitrary: record({
      id: fc.constant('chatcmpl-1'),
      object: fc.constant('chat.completion.chunk'),
      model: maybe(model),
      choices: fc.constantFrom([], [{ index: 0, delta: { content: 'hi' } }]),
      usage: maybe(chatUsage),
    }).map((data) => ({ name: '', data })),
  },
  // Groq's final chunk: its usage under `x_groq`, sometimes beside a top-level one.
  {
    weight: 2,
    arbitrary: record({
      id: fc.constant('chatcmpl-1'),
      model: maybe(model),
      choices: fc.constant([{ index: 0, delta: {}, finish_reason: 'stop' }]),
      x_groq: fc.oneof(record({ id: fc.constant('req_1'), usage: maybe(chatUsage) }), fc.constant('groq')),
      usage: maybe(chatUsage),
    }).map((data) => ({ name: '', data })),
  },
  fc.constant({ name: '', data: '[DONE]' }),
  text.map((t) => ({
    name: '',
    data: { choices: [{ delta: { content: t, usage: { prompt_tokens: 5, completion_tokens: 5 } } }] },
  })),
  fc.constantFrom({ name: '', data: [1, 2] }, { name: '', data: '"just a string"' }, { name: '', data: '' }),
  // Shaped as an object, yet not JSON; keys spelled or spaced otherwise; "usage" as a value.
  fc.constantFrom(
    { name: '', data: '{"id":"chatcmpl-1","choices":[}' },
    { name: '', data: '{"choices":[],"usage" : null}' },
    { name: '', data: '{"choices":[],"usage" :\t{"prompt_tokens":3,"completion_tokens":4}}' },
    { name: '', data: '{"choices":[],"us\\u0061ge":{"prompt_tokens":3,"completion_tokens":4}}' },
    { name: '', data: '{"role":"usage","usage":nul}' },
    { name: '', data: '{"model":"gpt-5","choices":[]}' },
  ),
);

const anthropicType = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...ANTHROPIC_TYPES, 'content_block_delta', 'ping', 'error') },
  fc.constantFrom(undefined, 3),
);
const anthropicEvent: fc.Arbitrary<Spec> = fc
  .tuple(
    anthropicType,
    fc.boolean(),
    fc.constantFrom(...ANTHROPIC_TYPES, 'content_block_delta', 'ping', ''),
    maybe(
      fc.oneof(
        record({ model: maybe(model), usage: maybe(anthropicUsage), role: fc.constant('assistant') }),
        fc.constant('msg'),
      ),
    ),
    maybe(anthropicUsage),
    maybe(text),
  )
  .map(([type, nameMatches, otherName, message, usage, delta]) => ({
    name: nameMatches && typeof type === 'string' ? type : otherName,
    data: Object.fromEntries(
      Object.entries({
        type,
        message,
        usage,
        delta: delta === undefined ? undefined : { type: 'text_delta', text: delta },
      }).filter(([, v]) => v !== undefined),
    ),
  }));

const responsesType = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.constantFrom(...RESPONSES_TYPES, 'response.output_text.delta', 'response.output_item.done', 'error'),
  },
  fc.constantFrom(undefined, 7),
);
const responsesEvent: fc.Arbitrary<Spec> = fc
  .tuple(
    responsesType,
    fc.boolean(),
    fc.constantFrom(...RESPONSES_TYPES, 'response.output_text.delta', ''),
    maybe(
      fc.oneof(
        record({
          id: fc.constant('resp_1'),
          model: maybe(model),
          usage: maybe(responsesUsage),
          output: fc.constant([]),
        }),
        fc.constant(4),
      ),
    ),
    maybe(decoyUsage),
  )
  .map(([type, nameMatches, otherName, response, item]) => ({
    name: nameMatches && typeof type === 'string' ? type : otherName,
    data: Object.fromEntries(
      Object.entries({
        type,
        sequence_number: 1,
        response,
        item: item === undefined ? undefined : { type: 'message', usage: item },
      }).filter(([, v]) => v !== undefined),
    ),
  }));

/** One event's bytes, framed at random: line ends, data over several lines, comments, other fields. */
const framing: fc.Arbitrary<Framing> = fc.record({
  eol: fc.constantFrom('\n', '\n', '\r\n', '\r'),
  space: fc.constantFrom(' ', ' ', ''),
  multiline: fc.boolean(),
  comment: fc.boolean(),
  other: fc.boolean(),
  typeFirst: fc.boolean(),
  renamed: fc.boolean(),
});

interface Framing {
  readonly eol: string;
  readonly space: string;
  readonly multiline: boolean;
  readonly comment: boolean;
  readonly other: boolean;
  readonly typeFirst: boolean;
  /** Another `event:` line first, which the event's own name then replaces. */
  readonly renamed: boolean;
}

function frame(spec: Spec, f: Framing): string {
  let data = typeof spec.data === 'string' ? spec.data : JSON.stringify(spec.data, null, f.multiline ? 1 : undefined);
  // Keys in another order than the providers': the type after the rest.
  if (!f.typeFirst && isObject(spec.data) && 'type' in spec.data) {
    const { type, ...rest } = spec.data;
    data = JSON.stringify({ ...rest, type }, null, f.multiline ? 1 : undefined);
  }
  let out = '';
  if (f.comment) out += `: keep-alive${f.eol}`;
  if (f.renamed) out += `event:${f.space}ping${f.eol}`;
  if (spec.name !== '' || f.renamed) out += `event:${f.space}${spec.name}${f.eol}`;
  if (f.other) out += `id: 42${f.eol}`;
  for (const line of data.split('\n')) out += `data:${f.space}${line}${f.eol}`;
  return `${out}${f.eol}`;
}

function stream(event: fc.Arbitrary<Spec>) {
  return fc
    .tuple(fc.array(fc.tuple(event, framing), { maxLength: 14 }), fc.boolean(), fc.nat(), fc.boolean())
    .map(([events, bom, cut, cutOff]) => {
      const full = (bom ? '\uFEFF' : '') + events.map(([spec, f]) => frame(spec, f)).join('');
      const bytes = Buffer.from(full);
      return cutOff && bytes.length > 0 ? bytes.subarray(0, cut % bytes.length) : bytes;
    });
}

describe('properties: event streams against a reference reader', () => {
  it.each([
    ['openai_chat_completions', chatEvent],
    ['anthropic_messages', anthropicEvent],
    ['openai_responses', responsesEvent],
  ] as const)(
    '%s: a random stream, framed and split at random, reads as the reference reads it',
    async (format, event) => {
      const seen = new Map<string, number>();
      await fc.assert(
        fc.asyncProperty(stream(event), fc.nat(), fc.boolean(), async (bytes, seed, aborted) => {
          const at = fc
            .sample(fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, bytes.length - 1) }), { maxLength: 16 }), {
              seed,
              numRuns: 1,
            })[0]!
            .sort((a, b) => a - b);
          const expected = reference(format, bytes.toString('utf8'));
          expect(await readChunks(format, splitAt(bytes, at), { contentType: SSE, aborted })).toEqual(expected);
          const kind = expected.unavailable ?? 'usage';
          seen.set(kind, (seen.get(kind) ?? 0) + 1);
        }),
        { seed: SEED, numRuns: runs(1500) },
      );
      // Every answer comes up, not only the easy one.
      for (const kind of ['usage', 'malformed', 'missing', 'truncated'])
        expect(seen.get(kind) ?? 0).toBeGreaterThan(runs(1500) * 0.02);
    },
  );

  it.each([
    ['openai_chat_completions', chatEvent],
    ['anthropic_messages', anthropicEvent],
    ['openai_responses', responsesEvent],
  ] as const)(
    '%s: a random stream, written as a string per event, reads as the reference reads it',
    async (format, event) => {
      await fc.assert(
        fc.asyncProperty(stream(event), fc.boolean(), fc.nat(), async (bytes, aborted, seed) => {
          // As a gateway writes events it serializes itself: each with its blank line, as text; and
          // the same text cut elsewhere too (never inside a surrogate pair), so that writes also
          // begin in the middle of an event.
          const text = bytes.toString('utf8');
          const perEvent = text.split(/(?<=\n\n)/).filter((part) => part !== '');
          const cuts = fc
            .sample(fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, text.length - 1) }), { maxLength: 8 }), {
              seed,
              numRuns: 1,
            })[0]!
            .filter((at) => !(/[\ud800-\udbff]/.test(text[at - 1] ?? '') && /[\udc00-\udfff]/.test(text[at] ?? '')))
            .sort((a, b) => a - b);
          const cutAnywhere = [0, ...cuts].map((at, i) => text.slice(at, cuts[i] ?? text.length));
          const expected = reference(format, text);
          expect(await readChunks(format, perEvent, { contentType: SSE, aborted })).toEqual(expected);
          expect(await readChunks(format, cutAnywhere, { contentType: SSE, aborted })).toEqual(expected);
        }),
        { seed: SEED, numRuns: runs(1500) },
      );
    },
  );
});
