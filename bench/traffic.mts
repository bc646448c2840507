// The interception mix the benchmark sends: Coder Agents with owner headers, ordinary users with
// their own keys (many distinct ones), and refused owner headers; JSON bodies of a few hundred bytes.
import { randomUUID } from 'node:crypto';

const body = JSON.stringify({
  model: 'gpt-4o-mini',
  stream: false,
  messages: [
    { role: 'system', content: 'You are a helpful coding assistant working in a repository.' },
    { role: 'user', content: 'Explain what the function parseOptions does and suggest a test for its error path.' },
  ],
  temperature: 0.2,
});

export interface BenchRequest {
  method: 'POST';
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** `count` requests in the mix: 6 in 10 Coder Agents with an owner, 3 ordinary users, 1 refused. */
export function interceptionMix(count: number, distinctUsers = 20_000): BenchRequest[] {
  return Array.from({ length: count }, (_, i) => {
    const slot = i % 10;
    const path = i % 2 === 0 ? '/v1/chat/completions' : '/v1/messages';
    const base = { 'content-type': 'application/json' };
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
