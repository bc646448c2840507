import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintToken } from 'aibridge-initiator-otel';
import { ALICE_TOKEN, CLAUDE_CODE_UA, CODER_AGENTS_UA, OWNER_A, SERVICE_TOKEN } from '../support/fixtures';
import { freePort, otlpEnv, REPO_ROOT, spawnGateway, type SpawnOptions } from '../support/gateway-process';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver';
import { post, startUpstream, type Running } from '../support/servers';
import { usageOf } from '../../examples/demo/provider-responses';

const SERVER = 2;
const CLIENT = 3;
const INTERNAL = 1;
const PORTKEY = join(REPO_ROOT, 'node_modules/@portkey-ai/gateway/build/start-server.js');

interface Row {
  readonly gateway: string;
  readonly module: 'CommonJS' | 'ESM';
  readonly preload: SpawnOptions['preload'];
  readonly entry: string;
  readonly env?: Record<string, string>;
  /** Spans of a framework instrumentation expected under the server span. */
  readonly frameworkSpans?: boolean;
  readonly portkey?: boolean;
  readonly propagate?: boolean;
}

// Each row is one line of the compatibility table in docs/compatibility.md (checked below); the
// plain node:http rows there are test/e2e/preload.test.ts.
export const ROWS: readonly Row[] = [
  { gateway: 'Portkey AI Gateway 1.15 (Hono)', module: 'ESM', preload: '--import', entry: PORTKEY, portkey: true },
  { gateway: 'Portkey AI Gateway 1.15 (Hono)', module: 'ESM', preload: '--require', entry: PORTKEY, portkey: true },
  { gateway: 'Express 5', module: 'CommonJS', preload: '--require', entry: 'frameworks/express.cjs' },
  { gateway: 'Express 5', module: 'ESM', preload: '--import', entry: 'frameworks/express.mjs' },
  { gateway: 'Fastify 5', module: 'CommonJS', preload: '--require', entry: 'frameworks/fastify.cjs' },
  { gateway: 'Fastify 5', module: 'ESM', preload: '--import', entry: 'frameworks/fastify.mjs' },
  { gateway: 'Hono 4 on @hono/node-server', module: 'ESM', preload: '--import', entry: 'frameworks/hono.mjs' },
  { gateway: 'Hono 4 on @hono/node-server', module: 'CommonJS', preload: '--require', entry: 'frameworks/hono.cjs' },
  {
    gateway: 'Express 5 + instrumentation-express 0.72, own NodeSDK',
    module: 'CommonJS',
    preload: 'none',
    entry: 'frameworks/own-sdk.cjs',
    env: { FRAMEWORK: 'express' },
    frameworkSpans: true,
  },
  {
    gateway: 'Fastify 5 + instrumentation-fastify 0.57, own NodeSDK',
    module: 'CommonJS',
    preload: 'none',
    entry: 'frameworks/own-sdk.cjs',
    env: { FRAMEWORK: 'fastify' },
    frameworkSpans: true,
  },
  {
    gateway: 'Express 5, AIBRIDGE_PROPAGATE_TRACE_CONTEXT=true',
    module: 'CommonJS',
    preload: '--require',
    entry: 'frameworks/express.cjs',
    env: { AIBRIDGE_PROPAGATE_TRACE_CONTEXT: 'true' },
    propagate: true,
  },
];

/** What each call asks the provider; the mock answers it with usage. */
const CALL_BODY = { model: 'm', messages: [{ role: 'user', content: 'Say hello.' }] };

const upstreamSaw: IncomingHttpHeaders[] = [];
let upstream: Running;
beforeAll(async () => {
  upstream = await startUpstream((req) => upstreamSaw.push(req.headers));
});
afterAll(() => upstream.close());

describe.each(ROWS)('$gateway, $module, preloaded with $preload', (row) => {
  let receiver: OtlpReceiver;
  let interceptions: ReceivedSpan[];
  let sawHeaders: IncomingHttpHeaders[];
  let statuses: number[];

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    const port = await freePort();
    const seenBefore = upstreamSaw.length;
    const spawned = spawnGateway({
      entry: row.entry,
      preload: row.preload,
      ...(row.portkey && {
        args: [`--port=${port}`, '--headless'],
        ready: { pattern: /Ready for connections/, url: `http://127.0.0.1:${port}` },
      }),
      env: { ...otlpEnv(receiver.url), UPSTREAM_URL: `${upstream.url}/provider`, ...row.env },
    });
    const gateway = await spawned.started;
    // Portkey names the provider and its address in headers of its own.
    const portkey = (provider: string) =>
      row.portkey ? { 'x-portkey-provider': provider, 'x-portkey-custom-host': `${upstream.url}/provider/v1` } : {};
    statuses = [
      (
        await post(
          `${gateway.url}/v1/chat/completions`,
          {
            'user-agent': CODER_AGENTS_UA,
            authorization: `Bearer ${SERVICE_TOKEN}`,
            'x-coder-owner-id': OWNER_A,
            ...portkey('openai'),
          },
          CALL_BODY,
        )
      ).status,
      (
        await post(
          `${gateway.url}/v1/chat/completions`,
          {
            'user-agent': CLAUDE_CODE_UA,
            authorization: `Bearer ${ALICE_TOKEN}`,
            'x-coder-owner-id': OWNER_A,
            ...portkey('openai'),
          },
          CALL_BODY,
        )
      ).status,
    ];
    gateway.child.kill('SIGTERM');
    await spawned.exited;
    sawHeaders = upstreamSaw.slice(seenBefore);
    interceptions = receiver.spans.filter((s) => s.kind === SERVER && s.attributes['initiator.override'] !== undefined);
  }, 60_000);
  afterAll(() => receiver.close());

  it('serves both calls through the real gateway', () => {
    expect(statuses).toEqual([200, 200]);
    expect(sawHeaders).toHaveLength(2);
  });

  it('attributes the Coder Agents call to the owner, and the other client’s to its own credential', () => {
    expect(interceptions).toHaveLength(2);
    const override = interceptions.find((s) => s.attributes['initiator.override'] === true);
    expect(override?.attributes).toMatchObject({
      'enduser.id': OWNER_A,
      'initiator.source': 'owner_header',
      'aibridge.client': 'Coder Agents',
      'gen_ai.provider.name': 'openai',
    });
    const rejected = interceptions.find((s) => s.attributes['initiator.override'] === false);
    expect(rejected?.attributes).toMatchObject({
      'enduser.id': fingerprintToken(ALICE_TOKEN),
      'initiator.override.rejected_reason': 'client_not_allowed',
    });
  });

  it('reads the usage the provider sent from the response the gateway wrote', () => {
    const sent = usageOf('chat', { model: 'm', body: CALL_BODY });
    for (const span of interceptions) {
      expect(span.attributes).toMatchObject({
        'gen_ai.response.model': sent.model,
        'gen_ai.usage.input_tokens': sent.inputTokens,
        'gen_ai.usage.output_tokens': sent.outputTokens,
        'aibridge.streaming': false,
      });
      expect(span.attributes['aibridge.usage.unavailable']).toBeUndefined();
    }
    expect(receiver.counter('aibridge.tokens', { 'gen_ai.token.type': 'output' })).toBe(2 * sent.outputTokens);
  });

  it('counts them in the metrics', () => {
    expect(receiver.counter('aibridge.interceptions')).toBe(2);
    expect(receiver.counter('aibridge.interceptions', { 'initiator.override': true })).toBe(1);
    expect(receiver.counter('aibridge.initiator.override.rejections', { reason: 'client_not_allowed' })).toBe(1);
  });

  it('makes the call to the provider a child span carrying enduser.id', () => {
    const override = interceptions.find((s) => s.attributes['initiator.override'] === true)!;
    const descendants = (parent: string): ReceivedSpan[] =>
      receiver.spans.filter((s) => s.parentSpanId === parent).flatMap((s) => [s, ...descendants(s.spanId)]);
    const under = descendants(override.spanId);
    const upstreamCall = under.find(
      (s) => s.kind === CLIENT && String(s.attributes['url.full'] ?? '').includes('/provider/'),
    );
    expect(upstreamCall?.attributes['enduser.id']).toBe(OWNER_A);
    if (row.frameworkSpans) {
      const frameworkSpans = under.filter((s) => s.kind === INTERNAL);
      expect(frameworkSpans.length).toBeGreaterThan(0);
      for (const span of frameworkSpans) expect(span.attributes['enduser.id']).toBe(OWNER_A);
    }
  });

  it(
    row.propagate
      ? 'sends trace context upstream, as configured'
      : 'sends the provider no trace context, and never the owner header',
    () => {
      for (const headers of sawHeaders) {
        expect(headers['x-coder-owner-id']).toBeUndefined();
        if (row.propagate) expect(headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
        else expect(headers.traceparent).toBeUndefined();
      }
    },
  );
});

describe('docs/compatibility.md', () => {
  it('has one table row per gateway tested here, in the same order, with its module system and preload', () => {
    const page = readFileSync(join(REPO_ROOT, 'docs/compatibility.md'), 'utf8');
    const documented = [...page.matchAll(/^\| (.+?) \| (CommonJS|ESM) \| (.+?) \| `(?:fetch|http)` \|$/gm)]
      .filter(([, gateway]) => !gateway!.startsWith('plain `node:http`'))
      .map(([, gateway, module, loadedWith]) => [gateway!.split(' ')[0], module, loadedWith]);
    expect(documented).toEqual(
      ROWS.map((row) => [
        row.gateway.split(' ')[0],
        row.module,
        row.preload === 'none' ? 'own `NodeSDK`' : `\`${row.preload}\``,
      ]),
    );
  });
});
