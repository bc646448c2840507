import { describe, expect, it } from 'vitest';
import type { UsageFormat } from '../../src/usage/types';
import { createUsageReader } from '../../src/usage/usage-reader';
import { chunksOf, FIXTURES, fixtureNamed, readChunks, SSE, unavailable } from './support';

const CHAT: UsageFormat = 'openai_chat_completions';
const RESPONSES: UsageFormat = 'openai_responses';
const ANTHROPIC: UsageFormat = 'anthropic_messages';

const read = (format: UsageFormat, events: readonly (string | Buffer)[], aborted = false) =>
  readChunks(format, events, { contentType: SSE, aborted });
const data = (value: unknown) => `data: ${typeof value === 'string' ? value : JSON.stringify(value)}\n\n`;
const named = (event: string, value: unknown) => `event: ${event}\n${data(value)}`;

// Chat Completions chunks as OpenAI sends them.
const chunk = (content: string, usage: unknown = null) =>
  data({
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'gpt-4o-mini',
    choices: content === '' ? [] : [{ index: 0, delta: { content }, finish_reason: null }],
    usage,
  });
const chunkWithoutUsageKey = (content: string) =>
  data({
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'gpt-4o-mini',
    choices: [{ index: 0, delta: { content } }],
  });
const CHAT_USAGE = {
  prompt_tokens: 20,
  completion_tokens: 5,
  total_tokens: 25,
  prompt_tokens_details: { cached_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 0 },
};
const DONE = 'data: [DONE]\n\n';

// Anthropic events.
const messageStart = (
  usage: unknown = { input_tokens: 25, cache_creation_input_tokens: 0, cache_read_input_tokens: 100, output_tokens: 1 },
) =>
  named('message_start', {
    type: 'message_start',
    message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], usage },
  });
const textDelta = (text: string) =>
  named('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } });
const messageDelta = (usage: unknown) =>
  named('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage });
const messageStop = named('message_stop', { type: 'message_stop' });

// Responses events.
const response = (status: string, usage: unknown) => ({
  id: 'resp_1',
  object: 'response',
  status,
  model: 'gpt-5',
  output: [],
  usage,
});
const RESPONSES_USAGE = {
  input_tokens: 30,
  input_tokens_details: { cached_tokens: 10 },
  output_tokens: 12,
  output_tokens_details: { reasoning_tokens: 4 },
  total_tokens: 42,
};
const responsesEvent = (type: string, extra: object) => named(type, { type, sequence_number: 0, ...extra });

describe('Chat Completions streams', () => {
  it('read the chunk that carries usage and the model of the chunks', async () => {
    const outcome = await read(CHAT, [chunk('Hel'), chunk('lo'), chunk('', CHAT_USAGE), DONE]);
    expect(outcome).toEqual({
      streaming: true,
      model: 'gpt-4o-mini',
      usage: { inputTokens: 20, outputTokens: 5, cacheReadInputTokens: 0, reasoningOutputTokens: 0 },
      unavailable: undefined,
      partial: undefined,
    });
  });

  it('are missing usage when the client did not ask for it and the stream ended with [DONE]', async () => {
    expect(await read(CHAT, [chunkWithoutUsageKey('Hel'), chunkWithoutUsageKey('lo'), DONE])).toEqual(
      unavailable(true, 'gpt-4o-mini', 'missing'),
    );
  });

  it('are truncated when they end before [DONE] without usage', async () => {
    expect(await read(CHAT, [chunk('Hel'), chunk('lo')])).toEqual(unavailable(true, 'gpt-4o-mini', 'truncated', {}));
  });

  it('are truncated when the client goes away mid-stream', async () => {
    expect(await read(CHAT, [chunk('Hel')], true)).toEqual(unavailable(true, 'gpt-4o-mini', 'truncated', {}));
  });

  it('keep their usage when they end after it without [DONE]', async () => {
    expect((await read(CHAT, [chunk('Hi'), chunk('', CHAT_USAGE)])).usage).toMatchObject({
      inputTokens: 20,
      outputTokens: 5,
    });
    expect((await read(CHAT, [chunk('Hi'), chunk('', CHAT_USAGE)], true)).usage).toMatchObject({
      inputTokens: 20,
      outputTokens: 5,
    });
  });

  it('take the last chunk carrying usage when several do', async () => {
    const outcome = await read(CHAT, [
      chunk('a', { prompt_tokens: 20, completion_tokens: 1 }),
      chunk('b', { prompt_tokens: 20, completion_tokens: 2 }),
      DONE,
    ]);
    expect(outcome.usage).toEqual({ inputTokens: 20, outputTokens: 2 });
  });

  it('keep the wholes when a part is larger than its whole', async () => {
    const usage = { prompt_tokens: 2201, completion_tokens: 10, completion_tokens_details: { reasoning_tokens: 11 } };
    expect((await read(CHAT, [chunk('Hi'), chunk('', usage), DONE])).usage).toEqual({
      inputTokens: 2201,
      outputTokens: 10,
    });
  });

  it('are malformed when the usage chunk has a negative count', async () => {
    expect(await read(CHAT, [chunk('Hi'), chunk('', { prompt_tokens: -20, completion_tokens: 5 }), DONE])).toEqual(
      unavailable(true, 'gpt-4o-mini', 'malformed'),
    );
  });

  it('are malformed when the usage chunk lacks a count', async () => {
    expect((await read(CHAT, [chunk('', { prompt_tokens: 20 }), DONE])).unavailable).toBe('malformed');
  });

  it('are malformed when an event before [DONE] is not JSON', async () => {
    expect(
      (await read(CHAT, [chunk('Hi'), data('{"id":"chatcmpl-1",'), chunk('', CHAT_USAGE), DONE])).unavailable,
    ).toBe('malformed');
  });

  it('pass over, unjudged, a chunk that names no usage once the model is known', async () => {
    const broken = data('{"id":"chatcmpl-1","choices":[{"delta":{"content":"x"}]}');
    expect((await read(CHAT, [chunk('Hi'), broken, chunk('', CHAT_USAGE), DONE])).usage).toMatchObject({
      inputTokens: 20,
    });
  });

  it('judge the first chunk, which names the model, even without usage', async () => {
    const broken = data('{"id":"chatcmpl-1","choices":[{"delta":{"content":"x"}]}');
    expect((await read(CHAT, [broken, chunk('', CHAT_USAGE), DONE])).unavailable).toBe('malformed');
  });

  it('take the model of the first chunk, then of the chunk that carries usage', async () => {
    const renamed = (model: string, usage: unknown = null) =>
      data({ id: 'chatcmpl-1', model, choices: usage === null ? [{ index: 0, delta: { content: 'a' } }] : [], usage });
    expect((await read(CHAT, [renamed('gpt-a'), renamed('gpt-b'), DONE])).model).toBe('gpt-a');
    expect((await read(CHAT, [renamed('gpt-a'), renamed('gpt-b'), renamed('gpt-c', CHAT_USAGE), DONE])).model).toBe(
      'gpt-c',
    );
  });

  it('read a chunk whose usage is spaced or cut across writes as one that came whole', async () => {
    const usage = 'data: {"id":"chatcmpl-1","choices":[],"usage" : {"prompt_tokens":20,"completion_tokens":5}}\n\n';
    for (let cut = 1; cut < usage.length; cut++) {
      const outcome = await read(CHAT, [chunk('Hi'), usage.slice(0, cut), usage.slice(cut), DONE]);
      expect(outcome.usage).toEqual({ inputTokens: 20, outputTokens: 5 });
    }
  });

  it('ignore what follows [DONE]', async () => {
    expect(
      (
        await read(CHAT, [
          chunk('', CHAT_USAGE),
          DONE,
          data('not json'),
          chunk('', { prompt_tokens: -1, completion_tokens: 1 }),
        ])
      ).usage,
    ).toMatchObject({ inputTokens: 20 });
  });

  it('ignore usage inside the content of a chunk', async () => {
    expect((await read(CHAT, [chunk('{"usage":{"prompt_tokens":5,"completion_tokens":6}}'), DONE])).unavailable).toBe(
      'missing',
    );
  });

  it('ignore an event with empty data', async () => {
    expect((await read(CHAT, ['data:\n\n', chunk('', CHAT_USAGE), DONE])).usage).toMatchObject({ inputTokens: 20 });
  });

  it('take [DONE] followed by spaces as [DONE]', async () => {
    expect((await read(CHAT, [chunk('Hi'), 'data: [DONE]  \n\n'])).unavailable).toBe('missing');
  });

  it('do not take [DONE] with more after it as [DONE]', async () => {
    expect((await read(CHAT, [chunk('Hi'), 'data: [DONE]x\n\n'])).unavailable).toBe('malformed');
  });
});

describe('Anthropic Messages streams', () => {
  it('add cache reads and writes to input and take output from message_delta', async () => {
    const outcome = await read(ANTHROPIC, [
      messageStart(),
      textDelta('Hi'),
      messageDelta({ output_tokens: 42 }),
      messageStop,
    ]);
    expect(outcome).toEqual({
      streaming: true,
      model: 'claude-sonnet-4-5',
      usage: { inputTokens: 125, outputTokens: 42, cacheReadInputTokens: 100, cacheCreationInputTokens: 0 },
      unavailable: undefined,
      partial: undefined,
    });
  });

  it('take the last value of each figure, never adding deltas up', async () => {
    const events = [
      messageStart(),
      messageDelta({ output_tokens: 10 }),
      messageDelta({ input_tokens: 30, output_tokens: 42 }),
      messageStop,
    ];
    expect((await read(ANTHROPIC, events)).usage).toEqual({
      inputTokens: 130,
      outputTokens: 42,
      cacheReadInputTokens: 100,
      cacheCreationInputTokens: 0,
    });
  });

  it('keep message_start figures a message_delta leaves out or gives as null', async () => {
    const events = [messageStart(), messageDelta({ cache_read_input_tokens: null, output_tokens: 7 }), messageStop];
    expect((await read(ANTHROPIC, events)).usage).toEqual({
      inputTokens: 125,
      outputTokens: 7,
      cacheReadInputTokens: 100,
      cacheCreationInputTokens: 0,
    });
  });

  it('are truncated with what was seen when cut before message_stop', async () => {
    const outcome = await read(ANTHROPIC, [messageStart(), textDelta('Hi'), messageDelta({ output_tokens: 42 })]);
    expect(outcome).toEqual(
      unavailable(true, 'claude-sonnet-4-5', 'truncated', {
        inputTokens: 125,
        outputTokens: 42,
        cacheReadInputTokens: 100,
        cacheCreationInputTokens: 0,
      }),
    );
  });

  it('are truncated when the stream never ends and is then aborted', async () => {
    const outcome = await read(
      ANTHROPIC,
      [
        messageStart(),
        ...Array.from({ length: 50 }, () => textDelta('again ')),
        'event: content_block_delta\ndata: {"type":"conte',
      ],
      true,
    );
    expect(outcome).toEqual(
      unavailable(true, 'claude-sonnet-4-5', 'truncated', {
        inputTokens: 125,
        outputTokens: 1,
        cacheReadInputTokens: 100,
        cacheCreationInputTokens: 0,
      }),
    );
  });

  it('are truncated when an error event ends them', async () => {
    const error = named('error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    expect((await read(ANTHROPIC, [messageStart(), textDelta('Hi'), error])).unavailable).toBe('truncated');
  });

  it('are missing usage when message_stop comes without any', async () => {
    expect(await read(ANTHROPIC, [messageStart(null), messageStop])).toEqual(
      unavailable(true, 'claude-sonnet-4-5', 'missing'),
    );
  });

  it('are malformed when message_start has a fractional count', async () => {
    expect(
      (
        await read(ANTHROPIC, [
          messageStart({ input_tokens: 2.5, output_tokens: 1 }),
          messageDelta({ output_tokens: 3 }),
          messageStop,
        ])
      ).unavailable,
    ).toBe('malformed');
  });

  it('are malformed when message_delta has a count given as a string', async () => {
    expect(
      (await read(ANTHROPIC, [messageStart(), messageDelta({ output_tokens: '3' }), messageStop])).unavailable,
    ).toBe('malformed');
  });

  it('are malformed when the counts never included input', async () => {
    expect(
      (await read(ANTHROPIC, [messageStart({ output_tokens: 1 }), messageDelta({ output_tokens: 3 }), messageStop]))
        .unavailable,
    ).toBe('malformed');
  });

  it('are malformed rather than truncated when a bad count came before the cut', async () => {
    expect(
      (await read(ANTHROPIC, [messageStart({ input_tokens: -1, output_tokens: 1 }), textDelta('Hi')])).unavailable,
    ).toBe('malformed');
  });

  it('ignore usage in events of other types', async () => {
    const stray = named('content_block_delta', {
      type: 'content_block_delta',
      usage: { input_tokens: 999, output_tokens: 999 },
    });
    expect(
      (await read(ANTHROPIC, [messageStart(), stray, messageDelta({ output_tokens: 4 }), messageStop])).usage,
    ).toMatchObject({ inputTokens: 125, outputTokens: 4 });
  });

  it('do not judge events of other types past their type', async () => {
    const broken = 'event: content_block_delta\ndata: {"type":"content_block_delta","delta":{"text":\n\n';
    expect(
      (await read(ANTHROPIC, [messageStart(), broken, messageDelta({ output_tokens: 4 }), messageStop])).usage,
    ).toMatchObject({ outputTokens: 4 });
  });

  it('are malformed when an event that may carry usage is not JSON', async () => {
    const broken = 'event: message_delta\ndata: {"type":"message_delta","usage":{"output_tokens":4}\n\n';
    expect((await read(ANTHROPIC, [messageStart(), broken, messageStop])).unavailable).toBe('malformed');
  });

  it('pass over, data and all, an event named for a kind they do not read', async () => {
    const events = [
      messageStart(),
      named('content_block_delta', { type: 'message_delta', usage: { output_tokens: 99 } }),
      'event: ping\ndata: not json\n\n',
      messageDelta({ output_tokens: 4 }),
      messageStop,
    ];
    expect(await read(ANTHROPIC, events)).toMatchObject({ usage: { outputTokens: 4 }, unavailable: undefined });
  });

  it('read a string write that looks like a whole event, in the middle of one, as the rest of it', async () => {
    const started = Buffer.from('event: message_delta\ndata: {"type":"message_delta","usage":{"output_tokens":4}}\n');
    // The event in progress is renamed and its data gains an empty line: still one message_delta.
    const rest = 'event: ping\ndata: \n\n';
    expect(await read(ANTHROPIC, [messageStart(), started, rest, messageStop])).toMatchObject({
      usage: { outputTokens: 4 },
      unavailable: undefined,
    });
  });

  it('go by the event name when the data has no type', async () => {
    const events = [
      messageStart(),
      'event: message_delta\ndata: {"usage":{"output_tokens":9}}\n\n',
      'event: message_stop\ndata: {}\n\n',
    ];
    expect((await read(ANTHROPIC, events)).usage).toMatchObject({ outputTokens: 9 });
  });

  it('go by the data type over the event name', async () => {
    const events = [
      messageStart(),
      'event: message_stop\ndata: {"type":"ping"}\n\n',
      messageDelta({ output_tokens: 9 }),
      messageStop,
    ];
    expect((await read(ANTHROPIC, events)).usage).toMatchObject({ outputTokens: 9 });
  });

  it('ignore what follows message_stop', async () => {
    expect(
      (
        await read(ANTHROPIC, [
          messageStart(),
          messageDelta({ output_tokens: 4 }),
          messageStop,
          messageDelta({ output_tokens: -1 }),
          data('{'),
        ])
      ).usage,
    ).toMatchObject({ outputTokens: 4 });
  });
});

describe('OpenAI Responses streams', () => {
  const created = responsesEvent('response.created', { response: response('in_progress', null) });
  const delta = responsesEvent('response.output_text.delta', {
    item_id: 'msg_1',
    output_index: 0,
    content_index: 0,
    delta: 'Hi',
  });

  it.each(['response.completed', 'response.incomplete', 'response.failed'])(
    'read usage from the terminal event %s',
    async (type) => {
      const outcome = await read(RESPONSES, [
        created,
        delta,
        responsesEvent(type, { response: response(type.slice(9), RESPONSES_USAGE) }),
      ]);
      expect(outcome).toEqual({
        streaming: true,
        model: 'gpt-5',
        usage: { inputTokens: 30, outputTokens: 12, cacheReadInputTokens: 10, reasoningOutputTokens: 4 },
        unavailable: undefined,
        partial: undefined,
      });
    },
  );

  it('are truncated, knowing the model, when cut before the terminal event', async () => {
    expect(await read(RESPONSES, [created, delta])).toEqual(unavailable(true, 'gpt-5', 'truncated', {}));
  });

  it('are truncated when the terminal event is cut mid-line', async () => {
    const completed = responsesEvent('response.completed', { response: response('completed', RESPONSES_USAGE) });
    expect((await read(RESPONSES, [created, completed.slice(0, completed.length - 40)], true)).unavailable).toBe(
      'truncated',
    );
  });

  it('are missing usage when the terminal event has none', async () => {
    expect(
      await read(RESPONSES, [created, responsesEvent('response.failed', { response: response('failed', null) })]),
    ).toEqual(unavailable(true, 'gpt-5', 'missing'));
  });

  it('are malformed when the terminal usage lacks output', async () => {
    expect(
      (
        await read(RESPONSES, [
          created,
          responsesEvent('response.completed', { response: response('completed', { input_tokens: 3 }) }),
        ])
      ).unavailable,
    ).toBe('malformed');
  });

  it('take the model of the terminal event over earlier ones', async () => {
    const completed = responsesEvent('response.completed', {
      response: { ...response('completed', RESPONSES_USAGE), model: 'gpt-5-2025-08-07' },
    });
    expect((await read(RESPONSES, [created, completed])).model).toBe('gpt-5-2025-08-07');
  });

  it('ignore usage in events that are not terminal', async () => {
    const inProgress = responsesEvent('response.in_progress', { response: response('in_progress', RESPONSES_USAGE) });
    expect((await read(RESPONSES, [created, inProgress])).unavailable).toBe('truncated');
  });

  it('ignore usage in the item of an output_item.done event', async () => {
    const item = responsesEvent('response.output_item.done', {
      output_index: 0,
      item: { type: 'message', usage: RESPONSES_USAGE },
    });
    expect((await read(RESPONSES, [created, item])).unavailable).toBe('truncated');
  });
});

describe('the fixtures cut short', () => {
  it('the Anthropic fixture aborted after its message_delta is truncated with its final counts', async () => {
    const bytes = fixtureNamed('anthropic-messages.sse').bytes.toString('utf8');
    const cut = bytes.slice(0, bytes.indexOf('event: message_stop'));
    expect(await read(ANTHROPIC, [cut], true)).toEqual(
      unavailable(true, 'claude-sonnet-4-5-20250929', 'truncated', {
        inputTokens: 21516,
        outputTokens: 431,
        cacheReadInputTokens: 20480,
        cacheCreationInputTokens: 1024,
      }),
    );
  });

  it('the Chat fixture cut before its usage chunk is truncated', async () => {
    const bytes = fixtureNamed('chat-completions.sse').bytes.toString('utf8');
    expect((await read(CHAT, [bytes.slice(0, bytes.indexOf('"choices":[],'))], true)).unavailable).toBe('truncated');
  });

  it('the Responses fixture cut inside its terminal event is truncated', async () => {
    const bytes = fixtureNamed('responses.sse').bytes;
    expect((await read(RESPONSES, [bytes.subarray(0, bytes.length - 100).toString('utf8')])).unavailable).toBe(
      'truncated',
    );
  });
});

describe('streams read at the same time', () => {
  it('each keep their own event in progress, cut by chunk ends, while the others are read', async () => {
    // Each stream twice, cut at other places, so that two streams of a format are inside events at once.
    const streams = FIXTURES.filter((fixture) => fixture.contentType === SSE).flatMap((fixture) => [fixture, fixture]);
    const chunks = streams.map((fixture, s) => chunksOf(fixture.bytes, 29 + 8 * s));
    const readers = streams.map((fixture) =>
      createUsageReader(fixture.format, { contentType: SSE, contentEncoding: undefined }),
    );
    // Round-robin, a chunk each: every stream is left inside an event while the others go on.
    for (let i = 0; chunks.some((list) => i < list.length); i++)
      chunks.forEach((list, s) => {
        if (i < list.length) readers[s]!.write(list[i]!);
      });
    const outcomes = await Promise.all(readers.map((reader) => new Promise((resolve) => reader.end(false, resolve))));
    expect(outcomes).toEqual(streams.map((fixture) => fixture.expected));
  });
});

// Groq's final chunk, as its OpenAI-compatible API streams it: the usage under `x_groq`, with its timings.
const groqChunk = (groqUsage: unknown, usage?: unknown) =>
  data({
    id: 'chatcmpl-9a1b',
    object: 'chat.completion.chunk',
    created: 1765152000,
    model: 'llama-3.3-70b-versatile',
    system_fingerprint: 'fp_3f3b593e33',
    choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }],
    x_groq: { id: 'req_01kbx5', usage: groqUsage },
    ...(usage !== undefined && { usage }),
  });
const GROQ_USAGE = {
  queue_time: 0.045,
  prompt_tokens: 48,
  prompt_time: 0.0021,
  completion_tokens: 12,
  completion_time: 0.031,
  total_tokens: 60,
  total_time: 0.033,
};

describe("Groq's Chat Completions streams", () => {
  it('carry their usage under x_groq in the final chunk', async () => {
    expect(await read(CHAT, [chunk('Hi'), groqChunk(GROQ_USAGE), DONE])).toEqual({
      streaming: true,
      model: 'llama-3.3-70b-versatile',
      usage: { inputTokens: 48, outputTokens: 12 },
      unavailable: undefined,
      partial: undefined,
    });
  });

  it('give way to a top-level usage in the same chunk', async () => {
    const usage = { prompt_tokens: 50, completion_tokens: 13 };
    expect((await read(CHAT, [chunk('Hi'), groqChunk(GROQ_USAGE, usage), DONE])).usage).toEqual({
      inputTokens: 50,
      outputTokens: 13,
    });
  });

  it('give way to a top-level usage that came in an earlier chunk', async () => {
    const usage = { prompt_tokens: 50, completion_tokens: 13 };
    expect((await read(CHAT, [chunk('Hi', usage), groqChunk(GROQ_USAGE), DONE])).usage).toEqual({
      inputTokens: 50,
      outputTokens: 13,
    });
  });

  it('are malformed when x_groq.usage is not a usage object', async () => {
    expect((await read(CHAT, [chunk('Hi'), groqChunk('soon'), DONE])).unavailable).toBe('malformed');
  });

  it('are missing usage when x_groq holds none', async () => {
    expect((await read(CHAT, [chunk('Hi'), groqChunk(null), DONE])).unavailable).toBe('missing');
  });
});
