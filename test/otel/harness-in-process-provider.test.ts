// A gateway and its mock provider in the test process, the provider serving an interception path
// as real providers do: the harness records the gateway's interceptions and leaves out the calls
// the gateway makes to the provider, whichever client makes them.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SpanKind } from '@opentelemetry/api';
import { createTestHarness } from 'aibridge-initiator-otel/testing';

const OWNER = '3c7d9e2a-5b1f-4e8a-9c6d-2f0b8a4e1d73';
const CODER_AGENTS = {
  'user-agent': 'coder-agents/2.24.1',
  'x-coder-owner-id': OWNER,
  'content-type': 'application/json',
};
const FORWARD_WITH_HTTP = { ...CODER_AGENTS, 'x-forward-with': 'http' };

const harness = createTestHarness();

function listen(server: http.Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
}

/** POSTs with `http.request`, which the harness traces as a client span (unlike `fetch`). */
function postWithHttp(
  url: string,
  headers: http.OutgoingHttpHeaders,
  body: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

async function readBody(request: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

// The provider answers on the paths a real one serves, and says which it was sent.
const provider = http.createServer((req, res) => {
  void readBody(req).then(() =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.url })),
  );
});
// The gateway forwards to the provider, with fetch, or with http.request when the caller asks.
const gateway = http.createServer((req, res) => {
  void (async () => {
    const body = await readBody(req);
    const target = `${providerUrl}${req.url ?? ''}`;
    const answer =
      req.headers['x-forward-with'] === 'http'
        ? await postWithHttp(target, { 'content-type': 'application/json' }, body)
        : await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(
            async (r) => ({ status: r.status, body: await r.text() }),
          );
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
  })();
});
let providerConnections = 0;
provider.on('connection', () => providerConnections++);
let providerUrl = '';
let gatewayUrl = '';

beforeAll(async () => {
  providerUrl = await listen(provider);
  gatewayUrl = await listen(gateway);
});
afterEach(() => harness.reset());
afterAll(async () => {
  gateway.closeAllConnections();
  provider.closeAllConnections();
  await Promise.all([
    new Promise((resolve) => gateway.close(resolve)),
    new Promise((resolve) => provider.close(resolve)),
  ]);
  await harness.shutdown();
});

const serverSpans = () => harness.finishedSpans().filter((span) => span.kind === SpanKind.SERVER);
const paths = () => serverSpans().map((span) => span.attributes['url.path']);

describe('a mock provider in the test process, on an interception path', () => {
  it('a gateway forwarding with fetch: only its own interception is recorded, and its fetch is a span under it', async () => {
    const response = await fetch(`${gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: CODER_AGENTS,
      body: '{}',
    });
    expect(await response.json()).toEqual({ path: '/v1/chat/completions' });
    await harness.settled();

    expect(paths()).toEqual(['/v1/chat/completions']);
    const [span] = harness.interceptionSpans();
    expect(span?.attributes).toMatchObject({
      'enduser.id': OWNER,
      'initiator.override': true,
      'aibridge.client': 'Coder Agents',
    });
    const upstream = harness.finishedSpans().filter((s) => s.parentSpanContext?.spanId === span?.spanContext().spanId);
    expect(upstream.map((s) => s.kind)).toEqual([SpanKind.CLIENT]);
    expect(upstream[0]?.attributes['enduser.id']).toBe(OWNER);
    expect(await harness.counterValue('aibridge.interceptions')).toBe(1);
  });

  it('a gateway forwarding with http.request: its client span is kept, the provider side is not recorded', async () => {
    const response = await fetch(`${gatewayUrl}/v1/messages`, {
      method: 'POST',
      headers: FORWARD_WITH_HTTP,
      body: '{}',
    });
    expect(await response.json()).toEqual({ path: '/v1/messages' });
    await harness.settled();

    expect(paths()).toEqual(['/v1/messages']);
    const [interception] = harness.interceptionSpans();
    expect(interception?.attributes['enduser.id']).toBe(OWNER);
    // The test's own fetch to the gateway is a client span too, outside the interception.
    const upstream = harness
      .finishedSpans()
      .filter(
        (span) =>
          span.kind === SpanKind.CLIENT && span.parentSpanContext?.spanId === interception?.spanContext().spanId,
      );
    expect(upstream).toHaveLength(1);
    expect(upstream[0]?.parentSpanContext?.spanId).toBe(interception?.spanContext().spanId);
    expect(upstream[0]?.attributes['enduser.id']).toBe(OWNER);
    expect(await harness.counterValue('aibridge.interceptions')).toBe(1);
  });

  it('calls on kept-alive connections: each of the gateway interceptions is recorded once', async () => {
    const calls = [
      ['/v1/chat/completions', CODER_AGENTS],
      ['/v1/responses', FORWARD_WITH_HTTP],
      ['/v1/messages', CODER_AGENTS],
      ['/v1/chat/completions', FORWARD_WITH_HTTP],
    ] as const;
    for (const [path, headers] of calls) {
      const response = await fetch(`${gatewayUrl}${path}`, { method: 'POST', headers, body: '{}' });
      expect(response.status).toBe(200);
      await response.text();
    }
    await harness.settled();

    expect(harness.interceptionSpans().map((span) => span.attributes['url.path'])).toEqual(calls.map(([path]) => path));
    expect(await harness.counterValue('aibridge.interceptions', { 'initiator.override': true })).toBe(4);
  });

  it('a test sending with http.request (a client span of its own) still reaches a recorded gateway', async () => {
    const response = await postWithHttp(`${gatewayUrl}/v1/chat/completions`, CODER_AGENTS, '{}');
    expect(response.status).toBe(200);
    await harness.settled();

    expect(harness.interceptionSpans().map((span) => span.attributes['enduser.id'])).toEqual([OWNER]);
  });

  it('a request the test itself sends to the provider, on a connection the gateway used, is recorded', async () => {
    // The gateway's calls of the tests above left kept-alive connections to the provider, which
    // fetch and http.request reuse: being the gateway's is a matter of each request, not of them.
    const connectionsBefore = providerConnections;
    const viaFetch = await fetch(`${providerUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: CODER_AGENTS,
      body: '{}',
    });
    expect(viaFetch.status).toBe(200);
    await viaFetch.text();
    expect(
      (await postWithHttp(`${providerUrl}/v1/messages`, { ...CODER_AGENTS, connection: 'keep-alive' }, '{}')).status,
    ).toBe(200);
    await harness.settled();

    expect(providerConnections).toBe(connectionsBefore);
    expect(paths()).toEqual(['/v1/chat/completions', '/v1/messages']);
    expect(harness.interceptionSpans()).toHaveLength(2);
  });
});
