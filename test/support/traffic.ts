import { ALICE_TOKEN, CLAUDE_CODE_UA, CODER_AGENTS_UA, OWNER_A, OWNER_B, SERVICE_TOKEN } from './fixtures';
import { post } from './servers';

const agents = { 'user-agent': CODER_AGENTS_UA, authorization: `Bearer ${SERVICE_TOKEN}` };

/** A mix of interceptions with known outcomes, and what the telemetry must say about it. */
export const TRAFFIC = [
  { path: '/openai/v1/chat/completions', headers: { ...agents, 'x-coder-owner-id': OWNER_A }, body: {} },
  { path: '/openai/v1/responses', headers: { ...agents, 'x-coder-owner-id': OWNER_B.toUpperCase() }, body: {} },
  {
    path: '/anthropic/v1/messages',
    headers: { ...agents, 'x-coder-owner-id': OWNER_A },
    body: { stream: true, delayMs: 20 },
  },
  { path: '/v1/chat/completions', headers: agents, body: {} },
  {
    path: '/v1/messages',
    headers: { 'user-agent': CLAUDE_CODE_UA, 'x-api-key': ALICE_TOKEN, 'x-coder-owner-id': OWNER_A },
    body: {},
  },
  { path: '/v1/messages', headers: { ...agents, 'x-coder-owner-id': `urn:uuid:${OWNER_A}` }, body: {} },
] as const;

export const EXPECTED = {
  interceptions: 6,
  overrides: 3,
  rejections: { client_not_allowed: 1, invalid_format: 1 },
  owners: { [OWNER_A]: 2, [OWNER_B]: 1 },
} as const;

/**
 * Sends one non-interception request, then the traffic, and checks every response came back.
 * The interceptions come last: a gateway started with GATEWAY_EXIT_AFTER closes after them.
 */
export async function sendTraffic(baseUrl: string): Promise<void> {
  const health = await fetch(`${baseUrl}/health`, { headers: agents });
  if (health.status !== 200) throw new Error(`/health answered ${health.status}`);
  await health.text();
  for (const { path, headers, body } of TRAFFIC) {
    const { status } = await post(baseUrl + path, headers, body);
    if (status !== 200) throw new Error(`${path} answered ${status}`);
  }
}
