import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { answer, apiOf, errorBody, events, type ServerEvent } from './provider-responses';

export interface MockUpstreamOptions {
  /** Sees every request, headers included, before it is answered. */
  readonly onRequest?: (req: IncomingMessage) => void;
  /** Pause before each streamed event when the request sets no `delayMs`: a model's pace. */
  readonly streamStepMs?: number;
}

/**
 * A loopback stand-in for OpenAI and Anthropic. A model call (a JSON body naming its `model`) is
 * answered as its provider would, by the path: Chat Completions (`.../chat/completions`),
 * Responses (`.../responses`), Anthropic Messages (`.../messages`); as JSON, or as server-sent
 * events when the body says `"stream": true`; with token usage that follows from the request
 * (`usageOf` in provider-responses.ts says how).
 *
 * The body also steers the answer, for tests: `"status": n` answers that status (with the
 * provider's error body from 400 up), `"delayMs": n` waits that long before answering, or before
 * each streamed event. A body naming no model is a probe, not a model call: it gets
 * `{ "id": "resp-1", "path": ... }`, or three events and `data: [DONE]` when streamed.
 */
export function createMockUpstream(options: MockUpstreamOptions = {}): http.Server {
  return http.createServer((req, res) => {
    options.onRequest?.(req);
    void readBody(req).then((body) => reply(req.url ?? '/', body, res, options));
  });
}

function reply(
  url: string,
  body: Readonly<Record<string, unknown>>,
  res: ServerResponse,
  options: MockUpstreamOptions,
): void {
  const path = url.split('?')[0] ?? '';
  const status = Number(body.status) || 200;
  const delayMs = Number(body.delayMs) || 0;
  const api = apiOf(path);
  if (typeof body.model !== 'string') {
    if (body.stream === true && status < 400) return stream(res, PROBE_EVENTS, 'data: [DONE]\n\n', delayMs);
    return later(delayMs, res, () => json(res, status, { id: 'resp-1', path: url }));
  }
  if (api === undefined) return later(delayMs, res, () => json(res, 404, errorBody('chat', 404)));
  if (status >= 400) return later(delayMs, res, () => json(res, status, errorBody(api, status)));
  const call = { model: body.model, body };
  if (body.stream === true) {
    const streamed = events(api, call);
    return stream(
      res,
      streamed.events,
      streamed.trailer,
      body.delayMs === undefined ? (options.streamStepMs ?? 0) : delayMs,
    );
  }
  later(delayMs, res, () => json(res, status, answer(api, call)));
}

const PROBE_EVENTS: readonly ServerEvent[] = [1, 2, 3].map((n) => ({ data: { delta: `part ${n}` } }));

function stream(res: ServerResponse, items: readonly ServerEvent[], trailer: string, stepMs: number): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  let next = 0;
  const send = () => {
    const item = items[next++];
    if (item === undefined) {
      res.end(trailer);
      return;
    }
    const data = typeof item.data === 'string' ? item.data : JSON.stringify(item.data);
    res.write(`${item.event === undefined ? '' : `event: ${item.event}\n`}data: ${data}\n\n`);
    timer = setTimeout(send, stepMs);
  };
  let timer = setTimeout(send, stepMs);
  res.on('close', () => clearTimeout(timer));
}

function later(delayMs: number, res: ServerResponse, send: () => void): void {
  const timer = setTimeout(send, delayMs);
  res.on('close', () => clearTimeout(timer));
}

function json(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

// A body that is not a JSON object reads as empty: a probe.
function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      try {
        const parsed: unknown = JSON.parse(text || '{}');
        resolve(
          typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
            ? (parsed as Record<string, unknown>)
            : {},
        );
      } catch {
        resolve({});
      }
    });
    req.on('error', () => resolve({}));
  });
}
