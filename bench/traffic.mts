// The interception mix the benchmark sends, shaped like a coding agent's traffic: mostly streams
// (Anthropic Messages, Chat Completions with `include_usage`, Responses), a few JSON calls; request
// bodies of 2 to 20 KB (a conversation so far), answers of 1 to 24 KB. Who sends them: Coder Agents
// with owner headers, ordinary users with their own keys (many distinct ones), refused owner headers.
import { randomUUID } from 'node:crypto';

export interface BenchRequest {
  method: 'POST';
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** What a call asks for, in every ten: where it goes and whether it streams. */
const CALLS = [
  { path: '/v1/messages', stream: true },
  { path: '/v1/messages', stream: true },
  { path: '/v1/messages', stream: true },
  { path: '/v1/messages', stream: true },
  { path: '/v1/chat/completions', stream: true },
  { path: '/v1/chat/completions', stream: true },
  { path: '/v1/responses', stream: true },
  { path: '/v1/responses', stream: true },
  { path: '/v1/chat/completions', stream: false },
  { path: '/v1/messages', stream: false },
] as const;

export const MIX_DESCRIPTION =
  'per 10 calls: 4 Anthropic Messages streams, 2 Chat Completions streams (include_usage), 2 Responses streams, ' +
  '1 Chat Completions JSON, 1 Anthropic Messages JSON; streams of about 40 events; by 6 Coder Agents calls with an ' +
  'owner header, 3 ordinary users and 1 refused owner header; request bodies of 2 to 20 KB; answers of 1.3 to 24 KB ' +
  '(the fixtures of each API, and versions with their text repeated)';

const REQUEST_KB = [2, 3, 5, 8, 12, 16, 20];
const SENTENCE =
  'The function parseOptions reads the configuration file, merges the environment, and returns the options. ';

// Shared by every request that asks the same: a long mix holds each text once.
const bodies = new Map<string, string>();
function requestBody(path: string, stream: boolean, kb: number): string {
  const key = `${path} ${stream} ${kb}`;
  let body = bodies.get(key);
  if (body === undefined) bodies.set(key, (body = newRequestBody(path, stream, kb)));
  return body;
}

function newRequestBody(path: string, stream: boolean, kb: number): string {
  const history = SENTENCE.repeat(Math.ceil((kb * 1000) / SENTENCE.length));
  const messages = [
    { role: 'user', content: history.slice(0, Math.floor(history.length / 2)) },
    { role: 'assistant', content: history.slice(Math.floor(history.length / 2)) },
    { role: 'user', content: 'Explain what the function parseOptions does and suggest a test for its error path.' },
  ];
  if (path === '/v1/messages')
    return JSON.stringify({
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      stream,
      system: 'You are a coding agent.',
      messages,
    });
  if (path === '/v1/responses') return JSON.stringify({ model: 'o4-mini', stream, input: messages });
  return JSON.stringify({
    model: 'gpt-5-mini',
    stream,
    ...(stream && { stream_options: { include_usage: true } }),
    messages: [{ role: 'system', content: 'You are a coding agent.' }, ...messages],
  });
}

/**
 * `count` requests in the mix. Any ten consecutive requests from a multiple of ten hold every call
 * and every caller once (a connection that sends only the start of the mix still sends the mix),
 * and every hundred hold every pair of the two once; the long answers are every other ten.
 */
export function interceptionMix(
  count: number,
  distinctUsers = 20_000,
  extraHeaders: Record<string, string> = {},
): BenchRequest[] {
  return Array.from({ length: count }, (_, i) => {
    const slot = (i + Math.floor(i / 10)) % 10;
    const { path, stream } = CALLS[i % 10]!;
    const body = requestBody(path, stream, REQUEST_KB[i % REQUEST_KB.length]!);
    const base = {
      'content-type': 'application/json',
      'x-bench-response': Math.floor(i / 10) % 2 === 0 ? 'short' : 'long',
      ...extraHeaders,
    };
    if (slot < 6) {
      return {
        method: 'POST',
        path,
        body,
        headers: {
          ...base,
          'user-agent': 'coder-agents/2.24.1',
          authorization: 'Bearer sk-bench-coder-agents-service-0001',
          'x-coder-owner-id': randomUUID(),
          'x-coder-chat-id': `chat-${i % 50}`,
        },
      };
    }
    if (slot < 9) {
      return {
        method: 'POST',
        path,
        body,
        headers: {
          ...base,
          'user-agent': 'claude-cli/1.0.98 (external, cli)',
          'x-api-key': `sk-bench-user-${i % distinctUsers}`,
          'x-claude-code-session-id': `session-${i % 50}`,
        },
      };
    }
    return {
      method: 'POST',
      path,
      body,
      headers: {
        ...base,
        'user-agent': 'codex_cli_rs/0.20.0',
        authorization: `Bearer sk-bench-user-${i % distinctUsers}`,
        'x-coder-owner-id': randomUUID(),
        session_id: `session-${i % 50}`,
      },
    };
  });
}

/**
 * The mix as one sequence shared by every connection. autocannon walks a `requests` array from its
 * start on each connection, so with many connections only the head of a long array is ever sent;
 * this hands out the next request of the mix whichever connection asks.
 */
export function sharedSequence(
  mix: readonly BenchRequest[],
): { method: 'POST'; setupRequest: (request: object) => object }[] {
  let next = 0;
  return [{ method: 'POST', setupRequest: (request) => ({ ...request, ...mix[next++ % mix.length]! }) }];
}

/** How many distinct credentials the first `count` requests of `mix` carry, taken in order and from its start again once it runs out. */
export function distinctCredentials(mix: readonly BenchRequest[], count: number): number {
  const seen = new Set<string>();
  for (let i = 0; i < count; i++) {
    const { headers } = mix[i % mix.length]!;
    seen.add(headers.authorization ?? headers['x-api-key'] ?? '');
  }
  return seen.size;
}
