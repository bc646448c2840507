import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SpanKind } from '@opentelemetry/api';
import { createTestHarness } from 'aibridge-initiator-otel/testing';
import { CLAUDE_CODE_UA, CODER_AGENTS_UA, OWNER_A, SERVICE_TOKEN } from '../support/fixtures';
import { FIXTURES, fixtureNamed, type Fixture } from '../usage/support';

// The gateway here answers by itself, written each way gateways write: what matters is that the
// plugin reads usage from whatever reaches the client, however it is written.

type Writer = (res: ServerResponse, fixture: Fixture) => void;

const harness = createTestHarness();
let server: http.Server;
let base = '';
let writer: Writer = () => {};

const PATH_OF: Record<Fixture['format'], string> = {
  openai_chat_completions: '/v1/chat/completions',
  openai_responses: '/v1/responses',
  anthropic_messages: '/v1/messages',
};

beforeAll(async () => {
  server = http.createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => writer(res, currentFixture));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await harness.shutdown();
});
afterEach(() => harness.reset());

let currentFixture: Fixture = FIXTURES[0]!;

/** Sends one interception answered with `fixture` written by `write`; resolves with the bytes the client received. */
async function intercept(fixture: Fixture, write: Writer, headers: Record<string, string> = {}): Promise<Buffer> {
  currentFixture = fixture;
  writer = write;
  const response = await fetch(base + PATH_OF[fixture.format], {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': CODER_AGENTS_UA,
      authorization: `Bearer ${SERVICE_TOKEN}`,
      'x-coder-owner-id': OWNER_A,
      ...headers,
    },
    body: '{}',
  });
  const received = Buffer.from(await response.arrayBuffer());
  await harness.settled();
  await waitForSpans(1);
  return received;
}

async function waitForSpans(count: number): Promise<void> {
  for (let i = 0; i < 100 && harness.interceptionSpans().length < count; i++)
    await new Promise((resolve) => setTimeout(resolve, 10));
}

const endWhole: Writer = (res, f) => {
  res.setHeader('content-type', f.contentType);
  res.end(f.bytes);
};

function expectedAttributes(f: Fixture): Record<string, unknown> {
  const usage = f.expected.usage!;
  return {
    'aibridge.streaming': f.expected.streaming,
    'gen_ai.response.model': f.expected.model,
    'gen_ai.usage.input_tokens': usage.inputTokens,
    'gen_ai.usage.output_tokens': usage.outputTokens,
    ...(usage.cacheReadInputTokens !== undefined && {
      'gen_ai.usage.cache_read.input_tokens': usage.cacheReadInputTokens,
    }),
    ...(usage.cacheCreationInputTokens !== undefined && {
      'gen_ai.usage.cache_creation.input_tokens': usage.cacheCreationInputTokens,
    }),
    ...(usage.reasoningOutputTokens !== undefined && {
      'gen_ai.usage.reasoning.output_tokens': usage.reasoningOutputTokens,
    }),
  };
}

describe('usage read from the response', () => {
  it.each(FIXTURES.map((f) => [f.name, f] as const))(
    '%s: the span carries the model and usage the response reported',
    async (_, f) => {
      const received = await intercept(f, endWhole);
      expect(received.equals(f.bytes)).toBe(true);
      const [span] = harness.interceptionSpans();
      expect(span?.attributes).toMatchObject(expectedAttributes(f));
      expect(span?.attributes['aibridge.usage.unavailable']).toBeUndefined();
    },
  );

  it.each(FIXTURES.map((f) => [f.name, f] as const))(
    '%s: aibridge.tokens partitions the tokens by type',
    async (_, f) => {
      await intercept(f, endWhole);
      const usage = f.expected.usage!;
      const cacheRead = usage.cacheReadInputTokens ?? 0;
      const cacheCreation = usage.cacheCreationInputTokens ?? 0;
      const labels = {
        'initiator.override': true,
        'initiator.source': 'owner_header',
        'aibridge.client': 'Coder Agents',
        'gen_ai.response.model': f.expected.model,
      };
      expect(await harness.counterValue('aibridge.tokens', { ...labels, 'gen_ai.token.type': 'input' })).toBe(
        usage.inputTokens - cacheRead - cacheCreation,
      );
      expect(await harness.counterValue('aibridge.tokens', { ...labels, 'gen_ai.token.type': 'cache_read' })).toBe(
        cacheRead,
      );
      expect(await harness.counterValue('aibridge.tokens', { ...labels, 'gen_ai.token.type': 'cache_creation' })).toBe(
        cacheCreation,
      );
      expect(await harness.counterValue('aibridge.tokens', { ...labels, 'gen_ai.token.type': 'output' })).toBe(
        usage.outputTokens,
      );
      expect(await harness.counterValue('aibridge.tokens', labels)).toBe(usage.inputTokens + usage.outputTokens);
    },
  );

  it('reads a stream written event by event, with headers given to writeHead as an object', async () => {
    const f = fixtureNamed('anthropic-messages.sse');
    const received = await intercept(f, (res, fixture) => {
      res.writeHead(200, { 'Content-Type': fixture.contentType });
      const events = fixture.bytes.toString('utf8').split(/(?<=\n\n)/);
      let next = 0;
      const timer = setInterval(() => {
        const event = events[next++];
        if (event === undefined) {
          clearInterval(timer);
          res.end();
        } else res.write(event);
      }, 1);
    });
    expect(received.equals(f.bytes)).toBe(true);
    expect(harness.interceptionSpans()[0]?.attributes).toMatchObject(expectedAttributes(f));
  });

  it('reads headers given to writeHead as a flat list, and a body written byte by byte', async () => {
    const f = fixtureNamed('chat-completions.sse');
    const received = await intercept(f, (res, fixture) => {
      res.writeHead(200, ['Content-Type', fixture.contentType, 'Cache-Control', 'no-cache']);
      for (let i = 0; i < fixture.bytes.length; i++) res.write(fixture.bytes.subarray(i, i + 1));
      res.end();
    });
    expect(received.equals(f.bytes)).toBe(true);
    expect(harness.interceptionSpans()[0]?.attributes).toMatchObject(expectedAttributes(f));
  });

  it('reads a body piped from a stream', async () => {
    const f = fixtureNamed('responses.sse');
    const received = await intercept(f, (res, fixture) => {
      res.setHeader('content-type', fixture.contentType);
      Readable.from([fixture.bytes.subarray(0, 1000), fixture.bytes.subarray(1000)]).pipe(res);
    });
    expect(received.equals(f.bytes)).toBe(true);
    expect(harness.interceptionSpans()[0]?.attributes).toMatchObject(expectedAttributes(f));
  });

  it('decodes a gzip body as it passes, and the span waits for it', async () => {
    const f = fixtureNamed('responses.json');
    const compressed = gzipSync(f.bytes);
    const received = await intercept(f, (res, fixture) => {
      res.writeHead(200, { 'content-type': fixture.contentType, 'content-encoding': 'gzip' });
      res.end(compressed);
    });
    // fetch decodes what it receives: the client got the gateway's body.
    expect(received.equals(f.bytes)).toBe(true);
    expect(harness.interceptionSpans()[0]?.attributes).toMatchObject(expectedAttributes(f));
  });

  it('an encoding it cannot decode is `encoded`, and counted', async () => {
    const f = fixtureNamed('chat-completions.json');
    await intercept(f, (res, fixture) => {
      res.writeHead(200, { 'content-type': fixture.contentType, 'content-encoding': 'x-custom' });
      res.end(fixture.bytes);
    });
    expect(harness.interceptionSpans()[0]?.attributes['aibridge.usage.unavailable']).toBe('encoded');
    expect(
      await harness.counterValue('aibridge.usage.unavailable', { reason: 'encoded', 'gen_ai.provider.name': 'openai' }),
    ).toBe(1);
    expect(await harness.counterValue('aibridge.tokens')).toBe(0);
  });

  it('an error response reports no usage and is not counted as unavailable', async () => {
    const f = fixtureNamed('chat-completions.json');
    await intercept(f, (res) => {
      res.writeHead(429, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"rate limited"}}');
    });
    const [span] = harness.interceptionSpans();
    expect(span?.attributes['aibridge.usage.unavailable']).toBeUndefined();
    expect(span?.attributes['gen_ai.usage.input_tokens']).toBeUndefined();
    expect(await harness.counterValue('aibridge.usage.unavailable')).toBe(0);
  });

  it('a stream cut off by the gateway before its usage is `truncated`', async () => {
    const f = fixtureNamed('anthropic-messages.sse');
    await intercept(f, (res, fixture) => {
      res.writeHead(200, { 'content-type': fixture.contentType });
      res.write(fixture.bytes.subarray(0, fixture.bytes.length / 2));
      setTimeout(() => res.destroy(), 5);
    }).catch(() => Buffer.alloc(0));
    await waitForSpans(1);
    expect(harness.interceptionSpans()[0]?.attributes['aibridge.usage.unavailable']).toBe('truncated');
    expect(
      await harness.counterValue('aibridge.usage.unavailable', {
        reason: 'truncated',
        'aibridge.client': 'Coder Agents',
      }),
    ).toBe(1);
  });

  it('counts interceptions in flight while they stream, and none once they are done', async () => {
    const f = fixtureNamed('chat-completions.sse');
    let release: () => void = () => {};
    const done = intercept(f, (res, fixture) => {
      res.writeHead(200, { 'content-type': fixture.contentType });
      res.write(fixture.bytes.subarray(0, 100));
      release = () => res.end(fixture.bytes.subarray(100));
    });
    for (
      let i = 0;
      i < 100 &&
      (await harness.counterValue('aibridge.interceptions.active', { 'gen_ai.provider.name': 'openai' })) === 0;
      i++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(await harness.counterValue('aibridge.interceptions.active', { 'gen_ai.provider.name': 'openai' })).toBe(1);
    release();
    await done;
    expect(await harness.counterValue('aibridge.interceptions.active')).toBe(0);
  });
});

describe('conversation', () => {
  it('takes gen_ai.conversation.id from the client session header', async () => {
    await intercept(fixtureNamed('chat-completions.json'), endWhole, {
      'user-agent': CLAUDE_CODE_UA,
      'x-claude-code-session-id': 'session-7f3e',
    });
    expect(harness.interceptionSpans()[0]?.attributes['gen_ai.conversation.id']).toBe('session-7f3e');
  });

  it.each([
    ['too long', 'a'.repeat(257)],
    ['not printable ASCII', 'sessi\u00f6n-7f3e'],
  ])('omits a session header value that is %s', async (_, value) => {
    await intercept(fixtureNamed('chat-completions.json'), endWhole, { 'x-coder-chat-id': value });
    const [span] = harness.interceptionSpans();
    expect(span?.kind).toBe(SpanKind.SERVER);
    expect(span?.attributes['gen_ai.conversation.id']).toBeUndefined();
  });
});
