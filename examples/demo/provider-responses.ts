import { randomBytes } from 'node:crypto';

/**
 * What OpenAI and Anthropic answer to a model call, in their own shapes: a JSON body, or the
 * server-sent events of a streamed answer, with token usage as each provider reports it.
 *
 * The usage is made up but plausible, and a pure function of the request (`usageOf`), so that
 * whoever sent the call knows what the provider billed for it:
 * - input: the prompt (messages, input, system, instructions) at four characters a token, plus 8
 *   for the message framing;
 * - cached input, OpenAI (automatic prompt caching): a follow-up turn (one that resends an earlier
 *   answer) finds everything before its last message cached, in 128-token blocks, once that
 *   prefix reaches 1,024 tokens;
 * - cached input, Anthropic (explicit `cache_control`): the system blocks up to the last one marked
 *   are written to the cache on a conversation's first turn and read from it on the follow-ups,
 *   once they reach 1,024 tokens;
 * - output: a visible reply of 6 to 18 tokens, depending on the prompt's size, streamed one token a
 *   delta; OpenAI's reasoning models (`o3`, `o4-mini`, `gpt-5`...) also think 128 to 896 hidden
 *   tokens, counted in the output and reported as reasoning;
 * - the response names the dated snapshot of the model alias the request asked for, where the
 *   mock knows one, as providers do; otherwise the alias.
 */

/** The model call as the provider reads it. */
export interface ModelCall {
  readonly model: string;
  /** The request body: what the prompt is counted from. */
  readonly body: Readonly<Record<string, unknown>>;
}

/** One server-sent event; `event` is the `event:` line, when the provider sends one. */
export interface ServerEvent {
  readonly event?: string;
  readonly data: object | string;
}

export type Api = 'chat' | 'responses' | 'messages';

/**
 * A call's token usage in the terms of the plugin's telemetry contract: `inputTokens` counts every
 * input token, cached ones included; `outputTokens` counts every output token, reasoning included.
 * The optional figures are present exactly when the provider reports them.
 */
export interface Usage {
  /** The model the response names. */
  readonly model: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadInputTokens: number;
  /** Anthropic only: OpenAI does not report cache writes. */
  readonly cacheCreationInputTokens?: number;
  /** OpenAI only: Anthropic reports no separate reasoning figure. */
  readonly reasoningOutputTokens?: number;
}

/** The API a provider path belongs to, from how it ends (`/v1/chat/completions`...). */
export function apiOf(path: string): Api | undefined {
  if (path.endsWith('/chat/completions')) return 'chat';
  if (path.endsWith('/responses')) return 'responses';
  if (path.endsWith('/messages')) return 'messages';
  return undefined;
}

const SNAPSHOTS: Readonly<Record<string, string>> = {
  'gpt-4o-mini': 'gpt-4o-mini-2024-07-18',
  'gpt-4.1-mini': 'gpt-4.1-mini-2025-04-14',
  'o4-mini': 'o4-mini-2025-04-16',
  'gpt-5-mini': 'gpt-5-mini-2025-08-07',
  'claude-haiku-4-5': 'claude-haiku-4-5-20251001',
};

// Providers cache nothing shorter.
const MIN_CACHED_PREFIX = 1024;
const OPENAI_CACHE_BLOCK = 128;

const tokenCount = (parts: readonly unknown[]) =>
  Math.ceil(JSON.stringify(parts.filter((part) => part !== undefined)).length / 4);
const isReasoningModel = (model: string) => /^(o\d|gpt-5)/.test(model);
const hasEarlierAnswer = (items: unknown) =>
  Array.isArray(items) && items.some((item) => (item as { role?: unknown } | null)?.role === 'assistant');

/** What the provider reports for `call` on `api`: see the module's comment for how it is counted. */
export function usageOf(api: Api, call: ModelCall): Usage {
  const { messages, input, system, instructions } = call.body;
  const inputTokens = 8 + tokenCount([messages, input, system, instructions]);
  const model = SNAPSHOTS[call.model] ?? call.model;
  const visible = replyOf(inputTokens).length;
  if (api === 'messages') {
    const cacheable = cacheablePrefix(system);
    const cached = cacheable >= MIN_CACHED_PREFIX ? cacheable : 0;
    const followUp = hasEarlierAnswer(messages);
    return {
      model,
      inputTokens,
      outputTokens: visible,
      cacheReadInputTokens: followUp ? cached : 0,
      cacheCreationInputTokens: followUp ? 0 : cached,
    };
  }
  const turns = api === 'chat' ? messages : input;
  const prefix = Array.isArray(turns) ? tokenCount([turns.slice(0, -1), instructions]) : 0;
  const cached = hasEarlierAnswer(turns) && prefix >= MIN_CACHED_PREFIX ? prefix - (prefix % OPENAI_CACHE_BLOCK) : 0;
  const reasoning = isReasoningModel(call.model) ? 128 * (1 + (inputTokens % 7)) : 0;
  return {
    model,
    inputTokens,
    outputTokens: visible + reasoning,
    cacheReadInputTokens: cached,
    reasoningOutputTokens: reasoning,
  };
}

/** Tokens of the system blocks up to the last one marked `cache_control`: Anthropic's cached prefix. */
function cacheablePrefix(system: unknown): number {
  if (!Array.isArray(system)) return 0;
  const last = system.findLastIndex((block) => typeof block === 'object' && block !== null && 'cache_control' in block);
  return last < 0 ? 0 : tokenCount(system.slice(0, last + 1));
}

const WORDS = [
  ' Sure',
  ',',
  ' the',
  ' change',
  ' is',
  ' small',
  ':',
  ' the',
  ' loop',
  ' now',
  ' stops',
  ' one',
  ' token',
  ' earlier',
  ', and',
  ' the',
  ' test',
];

/** The visible reply, one token a piece: longer for longer prompts, and always a sentence. */
export function replyOf(inputTokens: number): readonly string[] {
  return [...WORDS.slice(0, 5 + (inputTokens % 13)), '.'];
}

export function answer(api: Api, call: ModelCall): object {
  if (api === 'chat') return chatCompletion(call);
  if (api === 'responses') return response(call, 'completed');
  return message(call);
}

export function events(
  api: Api,
  call: ModelCall,
): { readonly events: readonly ServerEvent[]; readonly trailer: string } {
  if (api === 'chat') return { events: chatCompletionChunks(call), trailer: 'data: [DONE]\n\n' };
  if (api === 'responses') return { events: responseEvents(call), trailer: '' };
  return { events: messageEvents(call), trailer: '' };
}

/** The provider's error body for an HTTP status. */
export function errorBody(api: Api, status: number): object {
  const type = ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
  const message = `mock provider answered ${status} as asked`;
  if (api === 'messages') return { type: 'error', error: { type, message } };
  return { error: { message, type, param: null, code: null } };
}

const ERROR_TYPES: Readonly<Record<number, string>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

const id = (prefix: string, bytes: number) => prefix + randomBytes(bytes).toString('hex');
const now = () => Math.floor(Date.now() / 1000);
const replyText = (usage: Usage) => replyOf(usage.inputTokens).join('').trimStart();

function chatUsage(usage: Usage) {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    prompt_tokens_details: { cached_tokens: usage.cacheReadInputTokens, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: usage.reasoningOutputTokens ?? 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function chatCompletion(call: ModelCall) {
  const usage = usageOf('chat', call);
  return {
    id: id('chatcmpl-', 12),
    object: 'chat.completion',
    created: now(),
    model: usage.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: replyText(usage), refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: chatUsage(usage),
    service_tier: 'default',
    system_fingerprint: 'fp_mock',
  };
}

// As the API does: usage only when the request asks for it (stream_options.include_usage), in a
// last chunk without choices.
function chatCompletionChunks(call: ModelCall): ServerEvent[] {
  const usage = usageOf('chat', call);
  const options = call.body.stream_options;
  const withUsage =
    typeof options === 'object' && options !== null && (options as { include_usage?: unknown }).include_usage === true;
  const base = {
    id: id('chatcmpl-', 12),
    object: 'chat.completion.chunk',
    created: now(),
    model: usage.model,
    service_tier: 'default',
    system_fingerprint: 'fp_mock',
  };
  const chunk = (delta: object, finish: string | null) => ({
    data: {
      ...base,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      ...(withUsage && { usage: null }),
    },
  });
  const pieces = replyOf(usage.inputTokens).map((piece, i) => (i === 0 ? piece.trimStart() : piece));
  return [
    chunk({ role: 'assistant', content: '', refusal: null }, null),
    ...pieces.map((text) => chunk({ content: text }, null)),
    chunk({}, 'stop'),
    ...(withUsage ? [{ data: { ...base, choices: [], usage: chatUsage(usage) } }] : []),
  ];
}

interface ResponseIds {
  readonly response: string;
  readonly message: string;
  readonly reasoning: string;
}

const responseIds = (): ResponseIds => ({
  response: id('resp_', 24),
  message: id('msg_', 24),
  reasoning: id('rs_', 24),
});

function response(call: ModelCall, status: 'in_progress' | 'completed', ids = responseIds()) {
  const usage = usageOf('responses', call);
  const done = status === 'completed';
  const thinks = (usage.reasoningOutputTokens ?? 0) > 0;
  return {
    id: ids.response,
    object: 'response',
    created_at: now(),
    status,
    error: null,
    incomplete_details: null,
    instructions: call.body.instructions ?? null,
    max_output_tokens: null,
    model: usage.model,
    output: done
      ? [...(thinks ? [reasoningItem(ids.reasoning)] : []), outputMessage(ids.message, 'completed', replyText(usage))]
      : [],
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: thinks ? 'medium' : null, summary: null },
    store: true,
    temperature: 1,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: [],
    top_p: 1,
    truncation: 'disabled',
    usage: done
      ? {
          input_tokens: usage.inputTokens,
          input_tokens_details: { cached_tokens: usage.cacheReadInputTokens },
          output_tokens: usage.outputTokens,
          output_tokens_details: { reasoning_tokens: usage.reasoningOutputTokens ?? 0 },
          total_tokens: usage.inputTokens + usage.outputTokens,
        }
      : null,
    user: null,
    metadata: {},
  };
}

const reasoningItem = (item: string) => ({ id: item, type: 'reasoning', summary: [] });

function outputMessage(item: string, status: 'in_progress' | 'completed', text?: string) {
  return {
    id: item,
    type: 'message',
    status,
    role: 'assistant',
    content: text === undefined ? [] : [{ type: 'output_text', text, annotations: [] }],
  };
}

function responseEvents(call: ModelCall): ServerEvent[] {
  const ids = responseIds();
  const usage = usageOf('responses', call);
  const text = replyText(usage);
  // The reasoning item, when the model thinks, comes first: the message follows it.
  const thinking: [string, object][] =
    (usage.reasoningOutputTokens ?? 0) > 0
      ? [
          ['response.output_item.added', { output_index: 0, item: reasoningItem(ids.reasoning) }],
          ['response.output_item.done', { output_index: 0, item: reasoningItem(ids.reasoning) }],
        ]
      : [];
  const index = thinking.length / 2;
  const where = { item_id: ids.message, output_index: index, content_index: 0 };
  const pieces = replyOf(usage.inputTokens).map((piece, i) => (i === 0 ? piece.trimStart() : piece));
  const events: [string, object][] = [
    ['response.created', { response: response(call, 'in_progress', ids) }],
    ['response.in_progress', { response: response(call, 'in_progress', ids) }],
    ...thinking,
    ['response.output_item.added', { output_index: index, item: outputMessage(ids.message, 'in_progress') }],
    ['response.content_part.added', { ...where, part: { type: 'output_text', text: '', annotations: [] } }],
    ...pieces.map((delta): [string, object] => ['response.output_text.delta', { ...where, delta }]),
    ['response.output_text.done', { ...where, text }],
    ['response.content_part.done', { ...where, part: { type: 'output_text', text, annotations: [] } }],
    ['response.output_item.done', { output_index: index, item: outputMessage(ids.message, 'completed', text) }],
    ['response.completed', { response: response(call, 'completed', ids) }],
  ];
  return events.map(([type, fields], sequence) => ({
    event: type,
    data: { type, sequence_number: sequence, ...fields },
  }));
}

function message(call: ModelCall) {
  const usage = usageOf('messages', call);
  const cacheRead = usage.cacheReadInputTokens;
  const cacheCreation = usage.cacheCreationInputTokens ?? 0;
  return {
    id: id('msg_', 12),
    type: 'message',
    role: 'assistant',
    model: usage.model,
    content: [{ type: 'text', text: replyText(usage) }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    // Anthropic counts cache reads and writes apart from the rest of the input.
    usage: {
      input_tokens: usage.inputTokens - cacheRead - cacheCreation,
      cache_creation_input_tokens: cacheCreation,
      cache_read_input_tokens: cacheRead,
      output_tokens: usage.outputTokens,
      service_tier: 'standard',
    },
  };
}

// As the API does: the input figures in message_start, with the output so far (1); the final
// output count in message_delta, cumulative rather than an increment.
function messageEvents(call: ModelCall): ServerEvent[] {
  const done = message(call);
  const start = { ...done, content: [], stop_reason: null, usage: { ...done.usage, output_tokens: 1 } };
  const pieces = replyOf(usageOf('messages', call).inputTokens).map((piece, i) =>
    i === 0 ? piece.trimStart() : piece,
  );
  const events: [string, object][] = [
    ['message_start', { message: start }],
    ['content_block_start', { index: 0, content_block: { type: 'text', text: '' } }],
    ['ping', {}],
    ...pieces.map((text): [string, object] => [
      'content_block_delta',
      { index: 0, delta: { type: 'text_delta', text } },
    ]),
    ['content_block_stop', { index: 0 }],
    [
      'message_delta',
      { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: done.usage.output_tokens } },
    ],
    ['message_stop', {}],
  ];
  return events.map(([type, fields]) => ({ event: type, data: { type, ...fields } }));
}
