'use strict';
// The reference AI gateway's request handling: a small proxy in front of model providers, written
// as any gateway would be, with no OpenTelemetry code at all. Clients authenticate to the gateway
// with their own keys; the gateway calls the provider with the headers of the route (its own
// provider key), so neither a client's key nor its owner header ever leaves for the provider.
//
// It takes the http (and https) modules as arguments so that CommonJS and ESM entry points can
// each load them their own way.

// What a client sends that the provider needs too; everything else stays at the gateway.
const FORWARDED_HEADERS = ['content-type', 'accept', 'anthropic-version', 'anthropic-beta'];

/**
 * @typedef {object} Route
 * @property {string} prefix POSTs to this path or under it are proxied; '' takes every path
 * @property {string} upstream the provider's base URL: what follows the prefix in the
 *   request's path, and its query, are appended to it
 * @property {Readonly<Record<string, string>>} [headers] sent to the provider with every call
 */

/**
 * @param {{ http: typeof import('node:http'), https?: typeof import('node:https') }} modules
 * @param {{ routes: readonly Route[], onInterception?: (req: import('node:http').IncomingMessage) => void }} options
 *   onInterception sees each proxied request, inside its handler
 */
function createGateway({ http, https }, { routes, onInterception }) {
  const table = routes.map((route) => compile(route, { http, https }));
  return http.createServer((req, res) => {
    const [path = '/', query] = (req.url || '/').split(/\?(.*)/s);
    if (req.method === 'GET' && path === '/health') return reply(res, 200, { status: 'ok' });
    if (req.method === 'GET' && path === '/__memory') {
      // For load tests: heap figures, after a full collection when Node runs with --expose-gc.
      if (typeof global.gc === 'function') global.gc();
      return reply(res, 200, process.memoryUsage());
    }
    const route = table.find(({ prefix }) => prefix === '' || path === prefix || path.startsWith(`${prefix}/`));
    if (route === undefined) return reply(res, 404, { error: { message: `no route for ${req.method} ${path}` } });
    if (req.method !== 'POST') return reply(res, 405, { error: { message: 'use POST' } });
    if (onInterception) onInterception(req);
    proxy(req, res, route, path.slice(route.prefix.length) + (query === undefined ? '' : `?${query}`));
  });
}

function compile({ prefix, upstream, headers = {} }, { http, https }) {
  if (prefix !== '' && (!prefix.startsWith('/') || prefix.endsWith('/')))
    throw new Error(`route prefix "${prefix}" must start with "/" and not end with one`);
  const base = new URL(upstream);
  if (base.protocol === 'https:' && https === undefined)
    throw new Error(`the route ${prefix || '(every path)'} is https: pass the https module`);
  return {
    prefix,
    headers,
    client: base.protocol === 'https:' ? https : http,
    hostname: base.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: base.port,
    basePath: base.pathname.replace(/\/$/, ''),
  };
}

function proxy(req, res, route, rest) {
  const headers = { 'content-type': 'application/json' };
  for (const name of FORWARDED_HEADERS) if (typeof req.headers[name] === 'string') headers[name] = req.headers[name];
  Object.assign(headers, route.headers);
  const outgoing = route.client.request(
    { hostname: route.hostname, port: route.port, path: route.basePath + rest, method: 'POST', headers },
    (upstreamRes) => {
      const cacheControl = upstreamRes.headers['cache-control'];
      const encoding = upstreamRes.headers['content-encoding'];
      res.writeHead(upstreamRes.statusCode || 502, {
        'content-type': upstreamRes.headers['content-type'] || 'application/json',
        ...(cacheControl && { 'cache-control': cacheControl }),
        // The body passes through as the provider encoded it.
        ...(encoding && { 'content-encoding': encoding }),
      });
      // A provider that drops the connection mid-stream ends the client's response too.
      upstreamRes.on('error', (error) => res.destroy(error));
      // Streams (server-sent events) pass through as they come.
      upstreamRes.pipe(res);
    },
  );
  outgoing.on('error', (error) => {
    if (res.headersSent) res.destroy(error);
    else reply(res, 502, { error: { message: `upstream unreachable: ${error.message}` } });
  });
  // A client that leaves stops the provider's work on its behalf.
  res.on('close', () => {
    if (!res.writableFinished) outgoing.destroy();
  });
  req.pipe(outgoing);
}

function reply(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

module.exports = { createGateway };
