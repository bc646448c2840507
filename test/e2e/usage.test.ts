import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CODER_AGENTS_UA, OWNER_A, SERVICE_TOKEN } from '../support/fixtures';
import { otlpEnv, spawnGateway, type GatewayProcess } from '../support/gateway-process';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver';
import { listen, type Running } from '../support/servers';
import { bytesOf, CASES } from '../usage/provider-cases';
import { FIXTURES, type Fixture } from '../usage/support';

// A real preloaded gateway (the demo's proxy, which pipes what the provider sends) in front of a
// provider that sends the recorded responses one byte per write, driven by the official clients.
// What the request body's `mode` asks the provider for, besides the plain response.
type Mode = 'plain' | 'gzip' | 'cut' | 'lying' | 'zstd' | 'compress';

const SERVER = 2;
const PATHS = {
  openai_chat_completions: '/chat/completions',
  openai_responses: '/responses',
  anthropic_messages: '/v1/messages',
} as const;

function fixtureFor(path: string, stream: boolean): Fixture {
  const format = path.endsWith('/chat/completions')
    ? 'openai_chat_completions'
    : path.endsWith('/responses')
      ? 'openai_responses'
      : 'anthropic_messages';
  return FIXTURES.find((f) => f.format === format && f.expected.streaming === stream)!;
}

/** Sends `bytes` one byte per write, yielding between writes, as a slow network would deliver them. */
function trickle(res: ServerResponse, bytes: Buffer, then: () => void): void {
  let at = 0;
  const next = (): void => {
    if (res.destroyed) return;
    if (at >= bytes.length) return then();
    res.write(bytes.subarray(at, at + 1));
    at += 1;
    if (at % 64 === 0) setImmediate(next);
    else next();
  };
  next();
}

function provider(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as {
      stream?: boolean;
      mode?: Mode;
      replay?: string;
    };
    // A provider's own response, named by the request.
    if (body.replay !== undefined) {
      const sse = body.replay.endsWith('.sse');
      res.writeHead(200, { 'content-type': sse ? 'text/event-stream' : 'application/json' });
      trickle(res, bytesOf(body.replay), () => res.end());
      return;
    }
    const fixture = fixtureFor(req.url ?? '', body.stream === true);
    const mode = body.mode ?? 'plain';
    if (mode === 'gzip' || mode === 'zstd' || mode === 'compress') {
      res.writeHead(200, { 'content-type': fixture.contentType, 'content-encoding': mode });
      res.end(
        mode === 'gzip' ? gzipSync(fixture.bytes) : mode === 'zstd' ? zstdCompressSync(fixture.bytes) : fixture.bytes,
      );
      return;
    }
    res.writeHead(200, { 'content-type': fixture.contentType });
    if (mode === 'lying') {
      res.end(Buffer.from(fixture.bytes.toString('utf8').replace(/"(prompt_tokens|input_tokens)":\s*\d+/, '"$1": -3')));
      return;
    }
    if (mode === 'cut') {
      // Half of it, then the connection drops.
      trickle(res, fixture.bytes.subarray(0, fixture.bytes.length >> 1), () => res.destroy());
      return;
    }
    trickle(res, fixture.bytes, () => res.end());
  });
}

interface Gateway {
  readonly process: GatewayProcess;
  readonly stop: () => Promise<unknown>;
}

let upstream: Running;
let receiver: OtlpReceiver;
let plugin: Gateway;
let bare: Gateway;

async function start(preload: '--require' | 'none'): Promise<Gateway> {
  const spawned = spawnGateway({
    entry: 'gateway.cjs',
    preload,
    env: { ...otlpEnv(receiver.url), UPSTREAM_URL: `${upstream.url}/provider`, OTEL_BSP_SCHEDULE_DELAY: '50' },
  });
  const process = await spawned.started;
  return {
    process,
    stop: () => {
      process.child.kill('SIGTERM');
      return spawned.exited;
    },
  };
}

beforeAll(async () => {
  upstream = await listen(http.createServer(provider));
  receiver = await startOtlpReceiver();
  [plugin, bare] = await Promise.all([start('--require'), start('none')]);
}, 60_000);
afterAll(async () => {
  await Promise.all([plugin?.stop(), bare?.stop()]);
  await receiver.close();
  await upstream.close();
});

const headers = { 'user-agent': CODER_AGENTS_UA, 'x-coder-owner-id': OWNER_A };

/** One call through the gateway with the official client of its format; resolves once fully consumed. */
async function callWithClient(
  baseUrl: string,
  format: Fixture['format'],
  stream: boolean,
  mode: Mode = 'plain',
): Promise<void> {
  const extra = { mode } as Record<string, unknown>;
  if (format === 'anthropic_messages') {
    const client = new Anthropic({ apiKey: SERVICE_TOKEN, baseURL: baseUrl, defaultHeaders: headers, maxRetries: 0 });
    const params = {
      model: 'claude-sonnet-4-6',
      max_tokens: 64,
      messages: [{ role: 'user' as const, content: 'hi' }],
      ...extra,
    };
    if (stream) for await (const _ of await client.messages.create({ ...params, stream: true })) void _;
    else await client.messages.create(params);
    return;
  }
  const client = new OpenAI({ apiKey: SERVICE_TOKEN, baseURL: baseUrl, defaultHeaders: headers, maxRetries: 0 });
  if (format === 'openai_chat_completions') {
    const params = { model: 'gpt-5-mini', messages: [{ role: 'user' as const, content: 'hi' }], ...extra };
    if (stream)
      for await (const _ of await client.chat.completions.create({
        ...params,
        stream: true,
        stream_options: { include_usage: true },
      }))
        void _;
    else await client.chat.completions.create(params);
    return;
  }
  const params = { model: 'o4-mini', input: 'hi', ...extra };
  if (stream) for await (const _ of await client.responses.create({ ...params, stream: true })) void _;
  else await client.responses.create(params);
}

/** The raw bytes a client receives for one call, undecoded. */
function rawCall(baseUrl: string, path: string, body: object): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${baseUrl}${path}`,
      {
        method: 'POST',
        headers: { ...headers, authorization: `Bearer ${SERVICE_TOKEN}`, 'content-type': 'application/json' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve(Buffer.concat(chunks)));
        res.on('error', () => resolve(Buffer.concat(chunks)));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const interceptions = (): ReceivedSpan[] =>
  receiver.spans.filter((s) => s.kind === SERVER && s.attributes['initiator.override'] !== undefined);

async function nextInterception(before: number): Promise<ReceivedSpan> {
  for (let i = 0; i < 200 && interceptions().length <= before; i++)
    await new Promise((resolve) => setTimeout(resolve, 25));
  const span = interceptions()[before];
  if (span === undefined) throw new Error('no interception span arrived');
  return span;
}

const gatewayPath = (format: Fixture['format']) => (format === 'anthropic_messages' ? '' : '/v1');

describe('usage read by a real preloaded gateway from a provider that sends byte by byte', () => {
  const seen: ReceivedSpan[] = [];

  it.each(FIXTURES.map((f) => [f.name, f] as const))(
    '%s through the official client: the span carries what the provider sent',
    async (_, f) => {
      const before = interceptions().length;
      await callWithClient(`${plugin.process.url}${gatewayPath(f.format)}`, f.format, f.expected.streaming);
      const span = await nextInterception(before);
      seen.push(span);
      const usage = f.expected.usage!;
      expect(span.attributes).toMatchObject({
        'gen_ai.response.model': f.expected.model,
        'gen_ai.usage.input_tokens': usage.inputTokens,
        'gen_ai.usage.output_tokens': usage.outputTokens,
        'aibridge.streaming': f.expected.streaming,
        'enduser.id': OWNER_A,
      });
      expect(span.attributes['aibridge.usage.unavailable']).toBeUndefined();
    },
    30_000,
  );

  it.each(CASES.map((c) => [c.why, c] as const))('%s: the span carries the usage the contract reads', async (_, c) => {
    const before = interceptions().length;
    const path = c.format === 'anthropic_messages' ? '/v1/messages' : '/v1/chat/completions';
    await rawCall(plugin.process.url, path, { model: 'm', replay: c.file });
    const span = await nextInterception(before);
    seen.push(span);
    expect(span.attributes).toMatchObject({
      'gen_ai.response.model': c.model,
      'gen_ai.usage.input_tokens': c.usage.inputTokens,
      'gen_ai.usage.output_tokens': c.usage.outputTokens,
    });
    expect(span.attributes['gen_ai.usage.cache_read.input_tokens']).toBe(c.usage.cacheReadInputTokens);
    expect(span.attributes['gen_ai.usage.reasoning.output_tokens']).toBe(c.usage.reasoningOutputTokens);
    expect(span.attributes['aibridge.usage.unavailable']).toBeUndefined();
  });

  it.each(['gzip', 'zstd'] as const)('a %s body is read as the plain one', async (mode) => {
    const f = FIXTURES.find((x) => x.name === 'responses.json')!;
    const before = interceptions().length;
    await callWithClient(`${plugin.process.url}/v1`, f.format, false, mode);
    const span = await nextInterception(before);
    seen.push(span);
    expect(span.attributes).toMatchObject({
      'gen_ai.usage.input_tokens': f.expected.usage!.inputTokens,
      'gen_ai.usage.output_tokens': f.expected.usage!.outputTokens,
    });
  });

  it.each([
    ['cut', '/v1/messages', { stream: true }, 'truncated'],
    ['lying', '/v1/chat/completions', {}, 'malformed'],
    ['compress', '/v1/chat/completions', {}, 'encoded'],
  ] as const)('a %s response carries its reason', async (mode, path, body, reason) => {
    const before = interceptions().length;
    await rawCall(plugin.process.url, path, { model: 'm', ...body, mode });
    const span = await nextInterception(before);
    seen.push(span);
    expect(span.attributes['aibridge.usage.unavailable']).toBe(reason);
    expect(span.attributes['gen_ai.usage.input_tokens']).toBeUndefined();
  });

  it('every metric total equals the sum over the spans', async () => {
    await new Promise((resolve) => setTimeout(resolve, 100));
    // The metrics go out at exit: stop the gateway, then compare.
    await plugin.stop();
    const sum = (key: string) => seen.reduce((total, span) => total + Number(span.attributes[key] ?? 0), 0);
    const input = sum('gen_ai.usage.input_tokens');
    const cacheRead = sum('gen_ai.usage.cache_read.input_tokens');
    const cacheCreation = sum('gen_ai.usage.cache_creation.input_tokens');
    expect(receiver.counter('aibridge.tokens', { 'gen_ai.token.type': 'input' })).toBe(
      input - cacheRead - cacheCreation,
    );
    expect(receiver.counter('aibridge.tokens', { 'gen_ai.token.type': 'cache_read' })).toBe(cacheRead);
    expect(receiver.counter('aibridge.tokens', { 'gen_ai.token.type': 'cache_creation' })).toBe(cacheCreation);
    expect(receiver.counter('aibridge.tokens', { 'gen_ai.token.type': 'output' })).toBe(
      sum('gen_ai.usage.output_tokens'),
    );
    for (const reason of ['truncated', 'malformed', 'encoded']) {
      expect(receiver.counter('aibridge.usage.unavailable', { reason })).toBe(
        seen.filter((s) => s.attributes['aibridge.usage.unavailable'] === reason).length,
      );
    }
    plugin = await start('--require');
  }, 30_000);
});

describe('what the client receives', () => {
  it.each([
    ...FIXTURES.map(
      (f) =>
        [f.name, `${gatewayPath(f.format)}${PATHS[f.format]}`, { model: 'm', stream: f.expected.streaming }] as const,
    ),
    ['gzip', '/v1/responses', { model: 'm', mode: 'gzip' }] as const,
    ['zstd', '/v1/chat/completions', { model: 'm', mode: 'zstd' }] as const,
    ...CASES.map(
      (c) =>
        [
          c.file,
          c.format === 'anthropic_messages' ? '/v1/messages' : '/v1/chat/completions',
          { model: 'm', replay: c.file },
        ] as const,
    ),
  ])('%s: the same bytes with the plugin as without', async (_, path, body) => {
    const [withPlugin, without] = await Promise.all([
      rawCall(plugin.process.url, path, body),
      rawCall(bare.process.url, path, body),
    ]);
    expect(without.length).toBeGreaterThan(0);
    expect(withPlugin.equals(without)).toBe(true);
  });
});
