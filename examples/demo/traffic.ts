import Anthropic from '@anthropic-ai/sdk';
import { SignJWT } from 'jose';
import OpenAI from 'openai';
import { ALICE, BOB, DEMO_JWT_SECRET, MALLORY, OWNERS, SERVICE_ACCOUNT, ZED_USER, type Caller } from './callers';
import { usageOf, type Usage } from './provider-responses';

export type { Usage } from './provider-responses';

export type Endpoint = 'chat' | 'responses' | 'messages';

/** A client session: its ID (sent in the client's session header, when it has one) and what the user asks, turn by turn. */
export interface Conversation {
  readonly id?: string;
  readonly prompts: readonly string[];
}

/** One call through the gateway, as a real client library makes it. */
export interface Call {
  readonly caller: Caller;
  readonly endpoint: Endpoint;
  readonly stream: boolean;
  readonly model: string;
  readonly conversation: Conversation;
  /** Which turn of the conversation (from 1): the earlier ones are sent again, as clients do. */
  readonly turn: number;
  /** A streamed Chat Completion asks for its usage (`stream_options.include_usage`) unless this is false. */
  readonly includeUsage?: false;
  /** The owner header's value, when sent. */
  readonly owner?: string;
  /** Authenticates with a JWT from the demo's identity provider instead of the caller's key. */
  readonly jwt?: 'expired';
  /** Why this call is in the mix. */
  readonly story: string;
}

const ALICE_SESSION: Conversation = {
  id: 'f18074b0-2472-409c-987d-839f6b7bf0ee',
  prompts: [
    'Why does the parser test fail on an empty file?',
    'Fix it, and add a test for a file of only comments.',
    'Now update the changelog.',
  ],
};
const BOB_SESSION: Conversation = {
  id: '0199b6d2-4c1e-7a3f-9b2d-5e8f1a6c3d40',
  prompts: [
    'Find where the retry budget is computed.',
    'Make it configurable through an environment variable, with a test.',
  ],
};
const chat = (id: string, ...prompts: string[]): Conversation => ({ id, prompts });
const DANA_CHAT = chat(
  'f99943c9-764e-4b32-a27b-d1500d73b9c2',
  'Summarise the open issues labelled flaky.',
  'Draft a fix for the first one.',
);
const ELI_CHAT = chat(
  'ddedac19-0a57-48e2-9572-4c13632cdafb',
  'Plan the migration of the billing tables to the new schema.',
);
const ELI_REVIEW_CHAT = chat(
  '97452730-152a-4f35-8fed-d747c6c4962c',
  'Review the pull request that renames the config keys.',
);
const FAY_CHAT = chat('a10711ea-95e8-426d-8838-1bcd7c9e86d6', 'Write release notes from the merged pull requests.');
const UNOWNED_CHAT = chat('efeae272-ba7e-4094-b120-9b0247812307', 'Check the nightly build logs for new warnings.');
const UUIDV1_CHAT = chat(
  'b6b2d980-aa2e-44da-9a03-902a4a001bf9',
  'List the services that expose no health check endpoint, with their owners and on-call rotations.',
);
const BRACED_CHAT = chat('6b838bff-41e2-4e2f-9ece-a948be54a1ee', 'Explain the deadlock in the job scheduler.');
const ONE_OFF = (prompt: string): Conversation => ({ prompts: [prompt] });

// One call a line: the mix reads as a table.
// prettier-ignore
export const CALLS: readonly Call[] = [
  { caller: ALICE, endpoint: 'messages', stream: false, model: 'claude-sonnet-4-6', conversation: ALICE_SESSION, turn: 1, story: 'Claude Code with its own key' },
  { caller: ALICE, endpoint: 'messages', stream: true, model: 'claude-sonnet-4-6', conversation: ALICE_SESSION, turn: 2, story: 'Claude Code, streaming, next turn' },
  { caller: BOB, endpoint: 'responses', stream: false, model: 'gpt-5-mini', conversation: BOB_SESSION, turn: 1, story: 'Codex with its own key' },
  { caller: BOB, endpoint: 'responses', stream: true, model: 'gpt-5-mini', conversation: BOB_SESSION, turn: 2, story: 'Codex, streaming, next turn' },
  { caller: SERVICE_ACCOUNT, endpoint: 'chat', stream: false, model: 'gpt-4.1-mini', conversation: DANA_CHAT, turn: 1, owner: OWNERS.dana, story: 'Coder Agents for dana' },
  { caller: SERVICE_ACCOUNT, endpoint: 'chat', stream: true, model: 'gpt-4.1-mini', conversation: DANA_CHAT, turn: 2, owner: OWNERS.dana, story: 'Coder Agents for dana, streaming, next turn' },
  { caller: SERVICE_ACCOUNT, endpoint: 'responses', stream: false, model: 'o4-mini', conversation: ELI_CHAT, turn: 1, owner: OWNERS.eli, story: 'Coder Agents for eli' },
  { caller: SERVICE_ACCOUNT, endpoint: 'chat', stream: true, model: 'gpt-4.1-mini', conversation: FAY_CHAT, turn: 1, owner: OWNERS.fay, story: 'Coder Agents for fay, streaming' },
  { caller: SERVICE_ACCOUNT, endpoint: 'messages', stream: true, model: 'claude-haiku-4-5', conversation: ELI_REVIEW_CHAT, turn: 1, owner: OWNERS.eli.toUpperCase(), story: 'Coder Agents for eli, uppercase UUID, streaming' },
  { caller: SERVICE_ACCOUNT, endpoint: 'chat', stream: false, model: 'gpt-4.1-mini', conversation: UNOWNED_CHAT, turn: 1, story: 'Coder Agents without an owner header' },
  { caller: SERVICE_ACCOUNT, endpoint: 'chat', stream: false, model: 'gpt-4.1-mini', conversation: UUIDV1_CHAT, turn: 1, owner: 'c232ab00-9414-11ec-b3c8-9f6bdeced846', story: 'Coder Agents with a UUIDv1 owner' },
  { caller: SERVICE_ACCOUNT, endpoint: 'messages', stream: false, model: 'claude-haiku-4-5', conversation: BRACED_CHAT, turn: 1, owner: `{${OWNERS.fay}}`, story: 'Coder Agents with a braced owner' },
  { caller: ALICE, endpoint: 'messages', stream: false, model: 'claude-sonnet-4-6', conversation: ALICE_SESSION, turn: 3, owner: OWNERS.dana, story: 'Claude Code sending an owner header' },
  { caller: MALLORY, endpoint: 'chat', stream: false, model: 'gpt-4o-mini', conversation: ONE_OFF('List every user.'), turn: 1, owner: OWNERS.dana, story: 'spoofed Coder Agents User-Agent, untrusted key' },
  { caller: ZED_USER, endpoint: 'chat', stream: true, includeUsage: false, model: 'gpt-4o-mini', conversation: ONE_OFF('Rename this function to parseHeader.'), turn: 1, jwt: 'expired', story: 'Zed with an expired single sign-on token (JWT), a stream that asks for no usage' },
];

// Coding agents send long instructions (tool descriptions, conventions) with every call: what
// makes caching worth it. Their length per client is what sets the calls' sizes apart.
const GUIDANCE = [
  'Read the files you change before changing them, and keep to the conventions you find there.',
  'Prefer the smallest change that fixes the problem; do not reformat code you do not touch.',
  'Run the tests that cover what you changed, and say which ones you ran and what they printed.',
  'Never print or commit secrets, tokens or keys, even when a file you read contains one.',
  'When a command fails, read its output before trying again, and do not retry blindly.',
  'Use the search tool to find definitions instead of guessing where something is declared.',
  'Ask before deleting files, rewriting history or running anything that touches production.',
  'Keep answers short: the diff and one paragraph on why, unless the user asks for more.',
];
const instructions = (agent: string, rules: number) =>
  [
    `You are ${agent}, a coding agent working in the user's repository.`,
    ...Array.from({ length: rules }, (_, i) => `${i + 1}. ${GUIDANCE[i % GUIDANCE.length]!}`),
  ].join('\n');
const SYSTEM = new Map<Caller, string>([
  [ALICE, instructions('Claude Code', 120)],
  [BOB, instructions('Codex', 100)],
  [SERVICE_ACCOUNT, instructions('Coder Agents', 72)],
  [ZED_USER, instructions('the Zed assistant', 24)],
  [MALLORY, 'You are a helpful assistant.'],
]);
const EARLIER_ANSWER = 'Done: the change is in the diff above, and the tests that cover it pass.';

/** The conversation so far: earlier turns (each with the answer it got), then this turn's prompt. */
function turnsOf(call: Call): { role: 'user' | 'assistant'; content: string }[] {
  const prompts = call.conversation.prompts.slice(0, call.turn);
  return prompts.flatMap((content, i) => [
    { role: 'user' as const, content },
    ...(i < prompts.length - 1 ? [{ role: 'assistant' as const, content: EARLIER_ANSWER }] : []),
  ]);
}

const systemOf = (call: Call) => SYSTEM.get(call.caller) ?? instructions('an assistant', 0);

function chatRequest(call: Call): OpenAI.Chat.ChatCompletionCreateParamsNonStreaming {
  return { model: call.model, messages: [{ role: 'system', content: systemOf(call) }, ...turnsOf(call)] };
}

function responsesRequest(call: Call): OpenAI.Responses.ResponseCreateParamsNonStreaming {
  return { model: call.model, instructions: systemOf(call), input: turnsOf(call) };
}

// The instructions are marked for caching, as Claude Code marks its own.
function messagesRequest(call: Call): Anthropic.MessageCreateParamsNonStreaming {
  return {
    model: call.model,
    max_tokens: 1024,
    system: [{ type: 'text', text: systemOf(call), cache_control: { type: 'ephemeral' } }],
    messages: turnsOf(call),
  };
}

const requestOf = (call: Call) =>
  call.endpoint === 'chat'
    ? chatRequest(call)
    : call.endpoint === 'responses'
      ? responsesRequest(call)
      : messagesRequest(call);

/**
 * The usage the demo's mock provider reports for `call`, in the telemetry contract's terms (input
 * counts cached tokens; output counts reasoning), or undefined when it reports none: a streamed
 * Chat Completion that did not ask for it. Pure: the same call always gets the same figures.
 */
export function usageFor(call: Call): Usage | undefined {
  if (call.endpoint === 'chat' && call.stream && call.includeUsage === false) return undefined;
  // What the provider reads is the JSON the client library sent.
  const body = JSON.parse(JSON.stringify(requestOf(call))) as Record<string, unknown>;
  return usageOf(call.endpoint, { model: call.model, body });
}

/** `aibridge.tokens`'s partition of a usage (`gen_ai.token.type`): input here is the uncached input. */
export function tokenTypesOf(usage: Usage): {
  readonly input: number;
  readonly cache_read: number;
  readonly cache_creation: number;
  readonly output: number;
} {
  const cacheCreation = usage.cacheCreationInputTokens ?? 0;
  return {
    input: usage.inputTokens - usage.cacheReadInputTokens - cacheCreation,
    cache_read: usage.cacheReadInputTokens,
    cache_creation: cacheCreation,
    output: usage.outputTokens,
  };
}

/**
 * Sends one call with the official client library of its provider; resolves when fully received,
 * with the credential it sent (for whoever must make sure it appears nowhere).
 */
export async function send(gatewayUrl: string, call: Call): Promise<string> {
  const key = call.jwt === 'expired' ? await expiredJwt(call.caller.name.split(' ')[0]!) : call.caller.key;
  const { sessionHeader } = call.caller;
  const headers = {
    'user-agent': call.caller.userAgent,
    ...(call.owner !== undefined && { 'x-coder-owner-id': call.owner }),
    ...(sessionHeader !== undefined && call.conversation.id !== undefined && { [sessionHeader]: call.conversation.id }),
  };
  if (call.endpoint === 'messages') {
    const client = new Anthropic({
      apiKey: key,
      baseURL: `${gatewayUrl}/anthropic`,
      defaultHeaders: headers,
      maxRetries: 0,
    });
    const params = messagesRequest(call);
    if (call.stream) {
      await drain(await client.messages.create({ ...params, stream: true }));
    } else await client.messages.create(params);
    return key;
  }
  const client = new OpenAI({
    apiKey: key,
    baseURL: `${gatewayUrl}/openai/v1`,
    defaultHeaders: headers,
    maxRetries: 0,
  });
  if (call.endpoint === 'chat') {
    const params = chatRequest(call);
    if (call.stream) {
      const stream_options = call.includeUsage === false ? undefined : { include_usage: true };
      await drain(
        await client.chat.completions.create({ ...params, stream: true, ...(stream_options && { stream_options }) }),
      );
    } else await client.chat.completions.create(params);
    return key;
  }
  const params = responsesRequest(call);
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
