import Anthropic from '@anthropic-ai/sdk';
import { SignJWT } from 'jose';
import OpenAI from 'openai';
import { ALICE, BOB, DEMO_JWT_SECRET, MALLORY, OWNERS, SERVICE_ACCOUNT, ZED_USER, type Caller } from './callers';

export type Endpoint = 'chat' | 'responses' | 'messages';

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
      await drain(await client.messages.create({ ...params, stream: true }));
    } else await client.messages.create(params);
    return key;
  }
  const client = new OpenAI({ apiKey: key, baseURL: `${gatewayUrl}/openai/v1`, defaultHeaders: headers, maxRetries: 0 });
  if (call.endpoint === 'chat') {
    const params = { model: MODEL.chat, messages: [{ role: 'user' as const, content: PROMPT }] };
    if (call.stream) {
      await drain(await client.chat.completions.create({ ...params, stream: true }));
    } else await client.chat.completions.create(params);
    return key;
  }
  const params = { model: MODEL.responses, input: PROMPT };
  if (call.stream) {
    await drain(await client.responses.create({ ...params, stream: true }));
  } else await client.responses.create(params);
  return key;
}

/** Reads a streamed answer to its end: the interception ends when the stream does. */
async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  const events = stream[Symbol.asyncIterator]();
  while (!(await events.next()).done) continue;
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
