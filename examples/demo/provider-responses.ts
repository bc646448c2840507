import { randomBytes } from 'node:crypto';

/**
 * What OpenAI and Anthropic answer to a model call, in their own shapes: a JSON body, or the
 * server-sent events of a streamed answer, token usage included where the provider reports it.
 * The reply text is fixed; its pieces are the streamed deltas, one output token each.
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

export const REPLY = ['Hello', ' from', ' the', ' mock', ' provider.'] as const;

/** The API a provider path belongs to, from how it ends (`/v1/chat/completions`...). */
export function apiOf(path: string): Api | undefined {
  if (path.endsWith('/chat/completions')) return 'chat';
  if (path.endsWith('/responses')) return 'responses';
  if (path.endsWith('/messages')) return 'messages';
  return undefined;
}

/**
 * Tokens of the call: the prompt counted as providers roughly do (four characters a token, a few
 * more for the message framing), the reply as its pieces.
 */
export function tokensOf(call: ModelCall): { readonly input: number; readonly output: number } {
  const { messages, input, system, instructions } = call.body;
  const prompt = JSON.stringify([messages, input, system, instructions].filter((part) => part !== undefined));
  return { input: 8 + Math.ceil(prompt.length / 4), output: REPLY.length };
}

export function answer(api: Api, call: ModelCall): object {
  if (api === 'chat') return chatCompletion(call);
  if (api === 'responses') return response(call, 'completed');
  return message(call);
}

export function events(api: Api, call: ModelCall): { readonly events: readonly ServerEvent[]; readonly trailer: string } {
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

function chatUsage(call: ModelCall) {
  const tokens = tokensOf(call);
  return {
    prompt_tokens: tokens.input,
    completion_tokens: tokens.output,
    total_tokens: tokens.input + tokens.output,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

function chatCompletion(call: ModelCall) {
  return {
    id: id('chatcmpl-', 12),
    object: 'chat.completion',
    created: now(),
    model: call.model,
    choices: [{ index: 0, message: { role: 'assistant', content: REPLY.join(''), refusal: null, annotations: [] }, logprobs: null, finish_reason: 'stop' }],
    usage: chatUsage(call),
    service_tier: 'default',
    system_fingerprint: 'fp_mock',
  };
}

// As the API does: usage only when the request asks for it (stream_options.include_usage), in a
// last chunk without choices.
function chatCompletionChunks(call: ModelCall): ServerEvent[] {
  const options = call.body.stream_options;
  const withUsage = typeof options === 'object' && options !== null && (options as { include_usage?: unknown }).include_usage === true;
  const base = { id: id('chatcmpl-', 12), object: 'chat.completion.chunk', created: now(), model: call.model, service_tier: 'default', system_fingerprint: 'fp_mock' };
  const chunk = (delta: object, finish: string | null) => ({
    data: { ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...(withUsage && { usage: null }) },
  });
  return [
    chunk({ role: 'assistant', content: '', refusal: null }, null),
    ...REPLY.map((text) => chunk({ content: text }, null)),
    chunk({}, 'stop'),
    ...(withUsage ? [{ data: { ...base, choices: [], usage: chatUsage(call) } }] : []),
  ];
}

function response(call: ModelCall, status: 'in_progress' | 'completed', item = id('msg_', 24), responseId = id('resp_', 24)) {
  const tokens = tokensOf(call);
  const done = status === 'completed';
  return {
    id: responseId,
    object: 'response',
    created_at: now(),
    status,
    error: null,
    incomplete_details: null,
    instructions: call.body.instructions ?? null,
    max_output_tokens: null,
    model: call.model,
    output: done ? [outputMessage(item, 'completed', REPLY.join(''))] : [],
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: true,
    temperature: 1,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: [],
    top_p: 1,
    truncation: 'disabled',
    usage: done
      ? {
          input_tokens: tokens.input,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: tokens.output,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: tokens.input + tokens.output,
        }
      : null,
    user: null,
    metadata: {},
  };
}

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
  const item = id('msg_', 24);
  const responseId = id('resp_', 24);
  const text = REPLY.join('');
  const where = { item_id: item, output_index: 0, content_index: 0 };
  const events: [string, object][] = [
    ['response.created', { response: response(call, 'in_progress', item, responseId) }],
    ['response.in_progress', { response: response(call, 'in_progress', item, responseId) }],
    ['response.output_item.added', { output_index: 0, item: outputMessage(item, 'in_progress') }],
    ['response.content_part.added', { ...where, part: { type: 'output_text', text: '', annotations: [] } }],
    ...REPLY.map((delta): [string, object] => ['response.output_text.delta', { ...where, delta }]),
    ['response.output_text.done', { ...where, text }],
    ['response.content_part.done', { ...where, part: { type: 'output_text', text, annotations: [] } }],
    ['response.output_item.done', { output_index: 0, item: outputMessage(item, 'completed', text) }],
    ['response.completed', { response: response(call, 'completed', item, responseId) }],
  ];
  return events.map(([type, fields], sequence) => ({ event: type, data: { type, sequence_number: sequence, ...fields } }));
}

function message(call: ModelCall) {
  const tokens = tokensOf(call);
  return {
    id: id('msg_', 12),
    type: 'message',
    role: 'assistant',
    model: call.model,
    content: [{ type: 'text', text: REPLY.join('') }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: tokens.input, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: tokens.output, service_tier: 'standard' },
  };
}

// As the API does: input tokens in message_start, the output count so far there (1) and the
// final one in message_delta.
function messageEvents(call: ModelCall): ServerEvent[] {
  const done = message(call);
  const start = { ...done, content: [], stop_reason: null, usage: { ...done.usage, output_tokens: 1 } };
  const events: [string, object][] = [
    ['message_start', { message: start }],
    ['content_block_start', { index: 0, content_block: { type: 'text', text: '' } }],
    ['ping', {}],
    ...REPLY.map((text): [string, object] => ['content_block_delta', { index: 0, delta: { type: 'text_delta', text } }]),
    ['content_block_stop', { index: 0 }],
    ['message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: done.usage.output_tokens } }],
    ['message_stop', {}],
  ];
  return events.map(([type, fields]) => ({ event: type, data: { type, ...fields } }));
}
