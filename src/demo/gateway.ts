/**
 * The reference AI gateway: a small proxy in front of OpenAI- and Anthropic-style APIs, written
 * as any gateway would be, with no OpenTelemetry code at all. The plugin is preloaded:
 *
 *   node --require aibridge-initiator-otel/register dist/demo/gateway.js
 *
 * Clients authenticate to the gateway with their own keys; the gateway calls the provider with its
 * own (OPENAI_API_KEY, ANTHROPIC_API_KEY), so neither a client's key nor its owner header ever
 * leaves for the provider.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';

interface Upstream {
  readonly base: URL;
  readonly headers: Readonly<Record<string, string>>;
}

const port = Number(process.env.PORT ?? 8787);
const host = process.env.HOST ?? '127.0.0.1';

const openai: Upstream = {
  base: new URL(process.env.UPSTREAM_OPENAI_URL ?? 'https://api.openai.com/v1'),
  headers: process.env.OPENAI_API_KEY ? { authorization: `Bearer ${process.env.OPENAI_API_KEY}` } : {},
};
const anthropic: Upstream = {
  base: new URL(process.env.UPSTREAM_ANTHROPIC_URL ?? 'https://api.anthropic.com'),
  headers: process.env.ANTHROPIC_API_KEY ? { 'x-api-key': process.env.ANTHROPIC_API_KEY } : {},
};

// Gateway route -> provider, and the provider's path relative to its base URL.
const ROUTES: Readonly<Record<string, readonly [Upstream, string]>> = {
  '/openai/v1/chat/completions': [openai, 'chat/completions'],
  '/openai/v1/responses': [openai, 'responses'],
  '/anthropic/v1/messages': [anthropic, 'v1/messages'],
};

const server = http.createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  if (req.method === 'GET' && path === '/health') return reply(res, 200, { status: 'ok' });
  const route = ROUTES[path];
  if (route === undefined) return reply(res, 404, { error: { message: `no route for ${req.method} ${path}` } });
  if (req.method !== 'POST') return reply(res, 405, { error: { message: 'use POST' } });
  proxy(req, res, ...route);
});

function proxy(req: IncomingMessage, res: ServerResponse, upstream: Upstream, relativePath: string): void {
  const target = new URL(relativePath, upstream.base.href.endsWith('/') ? upstream.base : `${upstream.base.href}/`);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: req.headers.accept ?? 'application/json',
    ...upstream.headers,
  };
  const version = req.headers['anthropic-version'];
  if (typeof version === 'string') headers['anthropic-version'] = version;

  const client = target.protocol === 'https:' ? https : http;
  const outgoing = client.request(target, { method: 'POST', headers }, (upstreamRes) => {
    res.writeHead(upstreamRes.statusCode ?? 502, {
      'content-type': upstreamRes.headers['content-type'] ?? 'application/json',
      ...(upstreamRes.headers['cache-control'] && { 'cache-control': upstreamRes.headers['cache-control'] }),
    });
    // Streams (server-sent events) pass through as they come.
    upstreamRes.pipe(res);
  });
  outgoing.on('error', (error) => {
    if (res.headersSent) res.destroy(error);
    else reply(res, 502, { error: { message: `upstream unreachable: ${error.message}` } });
  });
  res.on('close', () => outgoing.destroy());
  req.pipe(outgoing);
}

function reply(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

server.on('error', (error: NodeJS.ErrnoException) => {
  const problem = error.code === 'EADDRINUSE' ? `port ${port} is already in use` : error.message;
  process.stderr.write(`gateway: cannot listen on ${host}:${port}: ${problem}\n`);
  process.exit(1);
});

server.listen(port, host, () => {
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  process.stdout.write(`gateway listening on http://${host}:${bound}\n`);
});

// Finish in-flight calls, then exit; the plugin flushes telemetry before the exit completes.
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
});
