import { afterAll, beforeAll } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import gatewayApp from '../../examples/demo/gateway-app.cjs';
import { createMockUpstream } from '../../examples/demo/mock-upstream';

export interface Running {
  readonly url: string;
  close(): Promise<void>;
}

export async function listen(server: http.Server): Promise<Running> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The demo's mock provider: see examples/demo/mock-upstream.ts for what the request body steers. */
export function startUpstream(onRequest?: (req: http.IncomingMessage) => void): Promise<Running> {
  return listen(createMockUpstream(onRequest ? { onRequest } : {}));
}

/** The demo's gateway, in this process: every POST proxied to `upstreamUrl`, under its base path. */
export function startGateway(
  upstreamUrl: string,
  onInterception?: (req: http.IncomingMessage) => void,
): Promise<Running> {
  return listen(
    gatewayApp.createGateway(
      { http },
      { routes: [{ prefix: '', upstream: upstreamUrl }], ...(onInterception && { onInterception }) },
    ),
  );
}

/** Sends a POST with `fetch`, which the HTTP instrumentation does not trace, so only the gateway's spans appear. */
export async function post(
  url: string,
  headers: Record<string, string> | Headers,
  body: object = {},
): Promise<{ status: number; text: string }> {
  const all = new Headers(headers);
  all.set('content-type', 'application/json');
  const response = await fetch(url, { method: 'POST', headers: all, body: JSON.stringify(body) });
  return { status: response.status, text: await response.text() };
}

/**
 * Sends a POST with `http.request`, which writes each value of an array header as its own header
 * line: the only way to send a truly repeated header (`fetch` joins them into one).
 */
export function postRaw(url: string, headers: http.OutgoingHttpHeaders): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end('{}');
  });
}

/**
 * A mock provider and the in-process fixture gateway in front of it, for the current test file:
 * started before its tests, closed after them, with the harness shut down last. The upstream sits
 * under a base path, as real providers do, so its own server span is no interception.
 */
export function gatewayUnderTest(
  harness: { shutdown(): Promise<void> },
  onInterception?: (req: http.IncomingMessage) => void,
): { readonly url: string } {
  let upstream: Running | undefined;
  let gateway: Running | undefined;
  beforeAll(async () => {
    upstream = await startUpstream();
    gateway = await startGateway(`${upstream.url}/provider`, onInterception);
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
    await harness.shutdown();
  });
  return {
    get url() {
      if (gateway === undefined) throw new Error('the gateway starts in beforeAll');
      return gateway.url;
    },
  };
}
