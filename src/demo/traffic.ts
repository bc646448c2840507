import Anthropic from '@anthropic-ai/sdk';
import { SignJWT } from 'jose';
import OpenAI from 'openai';

export type Endpoint = 'chat' | 'responses' | 'messages';

/** Who calls: the User-Agent they send and the key they hold. */
export interface Caller {
  readonly name: string;
  readonly userAgent: string;
  readonly key: string;
}

/** One call through the gateway, as a real client library makes it. */
export interface Call {
  readonly caller: Caller;
  readonly endpoint: Endpoint;
  readonly stream: boolean;
  /** The owner header's value, when sent. */
  readonly owner?: string;
  /** Authenticates with a JWT from the demo's identity provider instead of the caller's key. */
  readonly jwt?: 'expired';
  /** Why this call is in the mix. */
  readonly story: string;
}

// Demo credentials: made up, and only ever sent to the local gateway.
export const SERVICE_ACCOUNT: Caller = { name: 'coder-agents service account', userAgent: 'coder-agents/2.24.1', key: 'sk-demo-coder-agents-service-0001' };
export const ALICE: Caller = { name: 'alice (Claude Code)', userAgent: 'claude-cli/1.0.98 (external, cli)', key: 'sk-ant-demo-alice-0001' };
export const BOB: Caller = { name: 'bob (Codex)', userAgent: 'codex_cli_rs/0.20.0', key: 'sk-demo-bob-0001' };
export const ZED_USER: Caller = { name: 'gina (Zed, single sign-on)', userAgent: 'Zed/0.201.5', key: '' };
export const MALLORY: Caller = { name: 'mallory (spoofs Coder Agents)', userAgent: 'coder-agents/2.24.1', key: 'sk-demo-mallory-0001' };

/** The shared secret the demo gateway verifies JWTs with (AIBRIDGE_JWT_SECRET). */
export const DEMO_JWT_SECRET = 'demo-identity-provider-secret-not-for-production-0001';

/** Coder users on whose behalf Coder Agents runs. */
export const OWNERS = {
  dana: '6f1c2a9e-3b7d-4c1e-9a2f-0d4b8e6c5a31',
  eli: 'b2e47d10-8c3a-4f5b-a6d9-7e1f0c2b3a48',
  fay: '0a9d8c7b-6e5f-4a3b-8c2d-1e0f9a8b7c6d',
} as const;

export const CALLS: readonly Call[] = [
  { caller: ALICE, endpoint: 'messages', stream: false, story: 'Claude Code with its own key' },
  { caller: ALICE, endpoint: 'messages', stream: true, story: 'Claude Code, streaming' },
  { caller: BOB, endpoint: 'chat', stream: false, story: 'Codex with its own key' },
  { caller: BOB, endpoint: 'responses', stream: true, story: 'Codex, Responses API, streaming' },
  { caller: SERVICE_ACCOUNT, endpoint: 'chat', stream: false, owner: OWNERS.dana, story: 'Coder Agents for dana' },
  { caller: SERVICE_ACCOUNT, endpoint: 'messages', stream: true, owner: OWNERS.dana, story: 'Coder Agents for dana, streaming' },
  { caller: SERVICE_ACCOUNT, endpoint: 'responses', stream: false, owner: OWNERS.eli, story: 'Coder Agents for eli' },
  { caller: SERVICE_ACCOUNT, endpoint: 'chat', stream: true, owner: OWNERS.fay, story: 'Coder Agents for fay, streaming' },
  { caller: SERVICE_ACCOUNT, endpoint: 'messages', stream: false, owner: OWNERS.eli.toUpperCase(), story: 'Coder Agents for eli, uppercase UUID' },
  { caller: SERVICE_ACCOUNT, endpoint: 'chat', stream: false, story: 'Coder Agents without an owner header' },
  { caller: SERVICE_ACCOUNT, endpoint: 'chat', stream: false, owner: 'c232ab00-9414-11ec-b3c8-9f6bdeced846', story: 'Coder Agents with a UUIDv1 owner' },
  { caller: SERVICE_ACCOUNT, endpoint: 'messages', stream: false, owner: `{${OWNERS.fay}}`, story: 'Coder Agents with a braced owner' },
  { caller: ALICE, endpoint: 'messages', stream: false, owner: OWNERS.dana, story: 'Claude Code sending an owner header' },
  { caller: MALLORY, endpoint: 'chat', stream: false, owner: OWNERS.dana, story: 'spoofed Coder Agents User-Agent, untrusted key' },
  { caller: ZED_USER, endpoint: 'chat', stream: false, jwt: 'expired', story: 'Zed with an expired single sign-on token (JWT)' },
];

const MODEL = { chat: 'gpt-4o-mini', responses: 'gpt-4o-mini', messages: 'claude-haiku-4-5' } as const;
const PROMPT = 'Say hello.';

/**
 * Sends one call with the official client library of its provider; resolves when fully received,
 * with the credential it sent (for whoever must make sure it appears nowhere).
 */
export async function send(gatewayUrl: string, call: Call): Promise<string> {
  const key = call.jwt === 'expired' ? await expiredJwt(call.caller.name.split(' ')[0]!) : call.caller.key;
  const headers = {
    'user-agent': call.caller.userAgent,
    ...(call.owner !== undefined && { 'x-coder-owner-id': call.owner }),
  };
  if (call.endpoint === 'messages') {
    const client = new Anthropic({ apiKey: key, baseURL: `${gatewayUrl}/anthropic`, defaultHeaders: headers, maxRetries: 0 });
    const params = { model: MODEL.messages, max_tokens: 64, messages: [{ role: 'user' as const, content: PROMPT }] };
    if (call.stream) {
      for await (const _event of await client.messages.create({ ...params, stream: true })) {
        // drained: the interception ends when the stream does
      }
    } else await client.messages.create(params);
    return key;
  }
  const client = new OpenAI({ apiKey: key, baseURL: `${gatewayUrl}/openai/v1`, defaultHeaders: headers, maxRetries: 0 });
  if (call.endpoint === 'chat') {
    const params = { model: MODEL.chat, messages: [{ role: 'user' as const, content: PROMPT }] };
    if (call.stream) {
      for await (const _chunk of await client.chat.completions.create({ ...params, stream: true })) {
        // drained
      }
    } else await client.chat.completions.create(params);
    return key;
  }
  const params = { model: MODEL.responses, input: PROMPT };
  if (call.stream) {
    for await (const _event of await client.responses.create({ ...params, stream: true })) {
      // drained
    }
  } else await client.responses.create(params);
  return key;
}

/** A token the demo's identity provider issued an hour ago, valid for ten minutes. */
function expiredJwt(subject: string): Promise<string> {
  const hourAgo = Math.floor(Date.now() / 1000) - 3600;
  return new SignJWT({ sub: subject })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt(hourAgo)
    .setExpirationTime(hourAgo + 600)
    .sign(new TextEncoder().encode(DEMO_JWT_SECRET));
}
