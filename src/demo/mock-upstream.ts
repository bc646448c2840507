import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * A loopback stand-in for OpenAI and Anthropic: the three endpoints the demo proxies, answering in
 * the providers' shapes, with server-sent events when the request asks to stream. The reply text
 * is fixed; what matters to the demo is the traffic, not the words.
 */
export function createMockUpstream(): Server {
  return createServer((req, res) => {
    readJson(req).then(
      (body) => route(req.url ?? '', body, res),
      () => answer(res, 400, { error: { message: 'request body is not JSON' } }),
    );
  });
}

const REPLY = ['Hello', ' from', ' the', ' mock', ' provider.'];
const STEP_MS = 15;

function route(url: string, body: Record<string, unknown>, res: ServerResponse): void {
  const path = url.split('?')[0] ?? '';
  const model = typeof body.model === 'string' ? body.model : 'mock-model';
  const stream = body.stream === true;
  if (path.endsWith('/chat/completions')) return stream ? streamChat(res, model) : answer(res, 200, chatCompletion(model));
  if (path.endsWith('/responses')) return stream ? streamResponse(res, model) : answer(res, 200, response(model));
  if (path.endsWith('/messages')) return stream ? streamMessage(res, model) : answer(res, 200, message(model));
  answer(res, 404, { error: { message: `no such endpoint: ${path}` } });
}

function chatCompletion(model: string) {
  return {
    id: 'chatcmpl-mock',
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: REPLY.join('') }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 12, completion_tokens: REPLY.length, total_tokens: 12 + REPLY.length },
  };
}

function response(model: string) {
  return {
    id: 'resp_mock',
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    model,
    status: 'completed',
    output: [
      {
        type: 'message',
        id: 'msg_mock',
        status: 'completed',
        role: 'assistant',
        content: [{ type: 'output_text', text: REPLY.join(''), annotations: [] }],
      },
    ],
    usage: { input_tokens: 12, output_tokens: REPLY.length, total_tokens: 12 + REPLY.length },
  };
}

function message(model: string) {
  return {
    id: 'msg_mock',
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text: REPLY.join('') }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 12, output_tokens: REPLY.length },
  };
}

function streamChat(res: ServerResponse, model: string): void {
  const chunk = (delta: object, finish: string | null) => ({
    id: 'chatcmpl-mock',
    object: 'chat.completion.chunk',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  const events = [
    ...REPLY.map((text, i) => ({ data: chunk(i === 0 ? { role: 'assistant', content: text } : { content: text }, null) })),
    { data: chunk({}, 'stop') },
  ];
  sendEvents(res, events, 'data: [DONE]\n\n');
}

function streamResponse(res: ServerResponse, model: string): void {
  const done = response(model);
  const events = [
    { event: 'response.created', data: { type: 'response.created', response: { ...done, status: 'in_progress', output: [] } } },
    ...REPLY.map((delta) => ({
      event: 'response.output_text.delta',
      data: { type: 'response.output_text.delta', item_id: 'msg_mock', output_index: 0, content_index: 0, delta },
    })),
    { event: 'response.completed', data: { type: 'response.completed', response: done } },
  ];
  sendEvents(res, events);
}

function streamMessage(res: ServerResponse, model: string): void {
  const start = { ...message(model), content: [], stop_reason: null, usage: { input_tokens: 12, output_tokens: 0 } };
  const events = [
    { event: 'message_start', data: { type: 'message_start', message: start } },
    { event: 'content_block_start', data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } },
    ...REPLY.map((text) => ({
      event: 'content_block_delta',
      data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } },
    })),
    { event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } },
    { event: 'message_delta', data: { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: REPLY.length } } },
    { event: 'message_stop', data: { type: 'message_stop' } },
  ];
  sendEvents(res, events);
}

// Paced like a model producing tokens, so streamed interceptions last visibly longer.
function sendEvents(res: ServerResponse, events: { event?: string; data: object }[], trailer = ''): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  let next = 0;
  const timer = setInterval(() => {
    const item = events[next++];
    if (item === undefined) {
      clearInterval(timer);
      res.end(trailer);
      return;
    }
    res.write(`${item.event ? `event: ${item.event}\n` : ''}data: ${JSON.stringify(item.data)}\n\n`);
  }, STEP_MS);
  res.on('close', () => clearInterval(timer));
}

function answer(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      try {
        const parsed: unknown = JSON.parse(text || '{}');
        resolve(typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {});
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
    req.on('error', reject);
  });
}
