import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { MAX_DOCUMENT_BYTES } from '../../src/usage/limits';
import { createUsageReader } from '../../src/usage/usage-reader';
import type { UsageFormat, UsageOutcome, UsageReader } from '../../src/usage/types';
import { SSE, unavailable } from './support';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap and Buffer memory in use once garbage is collected. */
function memoryInUse(): number {
  gc();
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

const GiB = 1024 * 1024 * 1024;
const MiB = 1024 * 1024;
const CHUNK = 64 * 1024;

/** `size` bytes of text with escapes and multi-byte characters, as JSON string content, in one reusable chunk. */
function textChunk(size: number): Buffer {
  const unit = Buffer.from('Lorem ipsum \\"usage\\": {\\"prompt_tokens\\": 1} café 日本 🚀\\n');
  const out = Buffer.alloc(size, 0x20);
  for (let at = 0; at + unit.length <= size; at += unit.length) unit.copy(out, at);
  return out;
}

function end(reader: UsageReader, aborted = false): Promise<UsageOutcome> {
  return new Promise((resolve) => reader.end(aborted, resolve));
}

function reader(format: UsageFormat, contentType = 'application/json'): UsageReader {
  return createUsageReader(format, { contentType, contentEncoding: undefined });
}

describe('a 1 GiB JSON body, written in 64 KiB chunks', () => {
  it('is given up on as too large once past the document bound, with memory unchanged', async () => {
    const text = textChunk(CHUNK);
    const r = reader('openai_chat_completions');
    const before = memoryInUse();
    r.write('{"id":"chatcmpl-1","model":"gpt-4o","choices":[{"message":{"content":"');
    for (let written = 0; written < GiB; written += CHUNK) r.write(text);
    r.write('"}}],"usage":{"prompt_tokens":1,"completion_tokens":2}}');
    const grown = memoryInUse() - before;
    expect(await end(r)).toEqual(unavailable(false, 'gpt-4o', 'too_large'));
    expect(grown).toBeLessThan(2 * MiB);
  });
});

describe('a 1 GiB event stream, written in 64 KiB chunks', () => {
  it('is read to its usage at the end, with memory unchanged', { timeout: 120_000 }, async () => {
    const event = Buffer.from(
      `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [{ index: 0, delta: { content: 'Lorem "ipsum" é 🚀\n' } }], usage: null })}\n\n`,
    );
    const chunk = Buffer.concat(Array.from({ length: Math.floor(CHUNK / event.length) }, () => event));
    const r = reader('openai_chat_completions', SSE);
    const before = memoryInUse();
    for (let written = 0; written < GiB; written += chunk.length) r.write(chunk);
    const grown = memoryInUse() - before;
    r.write(
      'data: {"model":"gpt-4o","choices":[],"usage":{"prompt_tokens":11,"completion_tokens":22}}\n\ndata: [DONE]\n\n',
    );
    expect(await end(r)).toMatchObject({ model: 'gpt-4o', usage: { inputTokens: 11, outputTokens: 22 } });
    expect(grown).toBeLessThan(2 * MiB);
  });
});

describe('long SSE lines', () => {
  const terminalPrefix =
    'event: response.completed\ndata: {"type":"response.completed","sequence_number":9,"response":{"id":"resp_1","model":"gpt-5","output":[{"type":"message","content":[{"type":"output_text","text":"';
  const terminalSuffix = '"}]}],"usage":{"input_tokens":5,"output_tokens":2500000,"total_tokens":2500005}}}\n\n';

  it('reads usage after 10 MiB of text on one line, without holding the line', async () => {
    const text = textChunk(CHUNK);
    const r = reader('openai_responses', SSE);
    r.write('event: response.created\ndata: {"type":"response.created","response":{"model":"gpt-5","usage":null}}\n\n');
    r.write(terminalPrefix);
    const before = memoryInUse();
    for (let written = 0; written < 10 * MiB; written += CHUNK) r.write(text);
    const grown = memoryInUse() - before;
    r.write(terminalSuffix);
    expect(await end(r)).toEqual({
      streaming: true,
      model: 'gpt-5',
      usage: { inputTokens: 5, outputTokens: 2500000 },
      unavailable: undefined,
      partial: undefined,
    });
    expect(grown).toBeLessThan(1 * MiB);
  });

  it('reads a 10 MiB line written one 64 KiB string at a time', async () => {
    const text = textChunk(CHUNK).toString('utf8');
    const r = reader('openai_responses', SSE);
    r.write(terminalPrefix);
    for (let written = 0; written < 10 * MiB; written += CHUNK) r.write(text, 'utf8');
    r.write(terminalSuffix);
    expect((await end(r)).usage).toEqual({ inputTokens: 5, outputTokens: 2500000 });
  });

  it('gives up on an event whose data passes the document bound, as too large', async () => {
    const text = textChunk(CHUNK);
    const r = reader('openai_responses', SSE);
    r.write('event: response.created\ndata: {"type":"response.created","response":{"model":"gpt-5","usage":null}}\n\n');
    r.write(terminalPrefix);
    for (let written = 0; written <= MAX_DOCUMENT_BYTES; written += CHUNK) r.write(text);
    r.write(terminalSuffix);
    expect(await end(r)).toEqual(unavailable(true, 'gpt-5', 'too_large'));
  });

  it('still reads a later usage chunk after giving up on one event', async () => {
    const text = textChunk(CHUNK);
    const r = reader('openai_chat_completions', SSE);
    r.write('data: {"model":"gpt-4o","choices":[{"delta":{"content":"');
    for (let written = 0; written <= MAX_DOCUMENT_BYTES; written += CHUNK) r.write(text);
    r.write(
      '"}}]}\n\ndata: {"model":"gpt-4o","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2}}\n\ndata: [DONE]\n\n',
    );
    expect((await end(r)).usage).toEqual({ inputTokens: 1, outputTokens: 2 });
  });

  it('is too large rather than missing when a stream gave up on an event that may have carried its usage', async () => {
    const text = textChunk(CHUNK);
    const r = reader('openai_chat_completions', SSE);
    r.write('data: {"model":"gpt-4o","choices":[{"delta":{"content":"');
    for (let written = 0; written <= MAX_DOCUMENT_BYTES; written += CHUNK) r.write(text);
    r.write('"}}],"usage":{"prompt_tokens":1,"completion_tokens":2}}\n\ndata: [DONE]\n\n');
    expect((await end(r)).unavailable).toBe('too_large');
  });
});

describe('a JSON body past the document bound', () => {
  it('keeps a usage that was complete before the bound', async () => {
    const text = textChunk(CHUNK);
    const r = reader('anthropic_messages');
    r.write(
      '{"model":"claude-opus-4-1","usage":{"input_tokens":3,"output_tokens":4},"content":[{"type":"text","text":"',
    );
    for (let written = 0; written <= MAX_DOCUMENT_BYTES; written += CHUNK) r.write(text);
    r.write('"}]}');
    expect((await end(r)).usage).toEqual({ inputTokens: 3, outputTokens: 4 });
  });

  it('is malformed, not too large, when the usage read before the bound had a bad count', async () => {
    const text = textChunk(CHUNK);
    const r = reader('anthropic_messages');
    r.write(
      '{"model":"claude-opus-4-1","usage":{"input_tokens":-3,"output_tokens":4},"content":[{"type":"text","text":"',
    );
    for (let written = 0; written <= MAX_DOCUMENT_BYTES; written += CHUNK) r.write(text);
    r.write('"}]}');
    expect((await end(r)).unavailable).toBe('malformed');
  });

  it('is read when just under the bound', async () => {
    const text = textChunk(CHUNK);
    const r = reader('anthropic_messages');
    const head = '{"model":"claude-opus-4-1","content":[{"type":"text","text":"';
    const tail = '"}],"usage":{"input_tokens":3,"output_tokens":4}}';
    r.write(head);
    let written = head.length + tail.length;
    while (written + CHUNK <= MAX_DOCUMENT_BYTES) {
      r.write(text);
      written += CHUNK;
    }
    r.write(' '.repeat(MAX_DOCUMENT_BYTES - written));
    r.write(tail);
    expect((await end(r)).usage).toEqual({ inputTokens: 3, outputTokens: 4 });
  });

  it('is too large when the bound falls before the usage object closes', async () => {
    const text = textChunk(CHUNK);
    const r = reader('anthropic_messages');
    const head = '{"model":"claude-opus-4-1","content":[{"type":"text","text":"';
    const tail = '"}],"usage":{"input_tokens":3,"output_tokens":4}}';
    r.write(head);
    let written = head.length + tail.length;
    while (written + CHUNK <= MAX_DOCUMENT_BYTES) {
      r.write(text);
      written += CHUNK;
    }
    // Two bytes over: the bound falls between the usage's last count and its closing brace.
    r.write(' '.repeat(MAX_DOCUMENT_BYTES - written + 2));
    r.write(tail);
    expect((await end(r)).unavailable).toBe('too_large');
  });
});

describe('many readers', () => {
  it('leave nothing behind once their responses have ended', async () => {
    const body = Buffer.from('{"model":"gpt-4o","usage":{"prompt_tokens":1,"completion_tokens":2}}');
    const stream = Buffer.from(
      'data: {"model":"gpt-4o","usage":{"prompt_tokens":1,"completion_tokens":2}}\n\ndata: [DONE]\n\n',
    );
    for (let i = 0; i < 1000; i++) {
      const r = reader('openai_chat_completions');
      r.write(body);
      await end(r);
    }
    const before = memoryInUse();
    for (let i = 0; i < 20_000; i++) {
      const json = reader('openai_chat_completions');
      json.write(body);
      await end(json);
      const sse = reader('openai_chat_completions', SSE);
      sse.write(stream);
      await end(sse);
    }
    expect(memoryInUse() - before).toBeLessThan(1 * MiB);
  });

  it('hold under 3 KiB each while in the middle of a response', () => {
    const text = textChunk(CHUNK);
    const readers: UsageReader[] = [];
    const before = memoryInUse();
    for (let i = 0; i < 1000; i++) {
      const r = reader('anthropic_messages', SSE);
      r.write(
        'event: message_start\ndata: {"type":"message_start","message":{"model":"claude-opus-4-1","usage":{"input_tokens":1,"output_tokens":1}}}\n\nevent: content_block_delta\ndata: {"type":"content_block_delta","delta":{"text":"',
      );
      r.write(text);
      readers.push(r);
    }
    const perReader = (memoryInUse() - before) / readers.length;
    expect(perReader).toBeLessThan(3072);
  });
});
