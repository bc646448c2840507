'use strict';
// Configuration B+ of the benchmark: what an operator who wants the plugin's telemetry without the
// plugin would write by hand in an afternoon, on top of B (stock instrumentation-http). Span
// attributes from the headers in startIncomingSpanHook; the response's body collected as it is
// written, and at its close read with JSON.parse (a stream: split on blank lines, each `data:`
// parsed); metrics with counter.add and histogram.record and an attribute object per call. The
// same span attributes, span event and metrics as the plugin, no per-interception log record, and
// none of its resolution rules beyond what the telemetry needs (no resolvers, no caches).
const { createHash } = require('node:crypto');
const { ServerResponse } = require('node:http');
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
const { metrics } = require('@opentelemetry/api');

const ROUTES = new Set([
  '/openai/v1/chat/completions',
  '/openai/v1/responses',
  '/anthropic/v1/messages',
  '/v1/chat/completions',
  '/v1/responses',
  '/v1/messages',
]);
const CLIENTS = [
  ['mux/', 'Mux'],
  ['claude', 'Claude Code'],
  ['codex', 'Codex'],
  ['zed/', 'Zed'],
  ['githubcopilotchat/', 'GitHub Copilot (VS Code)'],
  ['copilot/', 'GitHub Copilot (CLI)'],
  ['kilo-code/', 'Kilo Code'],
  ['roo-code/', 'Roo Code'],
  ['coder-agents/', 'Coder Agents'],
  ['charm crush/', 'Charm Crush'],
];
const SESSION_HEADERS = {
  'Claude Code': 'x-claude-code-session-id',
  Codex: 'session_id',
  Mux: 'x-mux-workspace-id',
  'GitHub Copilot (VS Code)': 'x-interaction-id',
  'GitHub Copilot (CLI)': 'x-client-session-id',
  'Kilo Code': 'x-kilocode-taskid',
  'Coder Agents': 'x-coder-chat-id',
};
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const STATE = Symbol('interception');

let interceptions, rejections, duration, tokens, active, unavailable;

function clientOf(headers) {
  const agent = String(headers['user-agent'] ?? '').toLowerCase();
  for (const [prefix, name] of CLIENTS) if (agent.startsWith(prefix)) return name;
  const originator = String(headers.originator ?? '').toLowerCase();
  if (originator === 'kilo-code') return 'Kilo Code';
  if (originator === 'roo-code') return 'Roo Code';
  if (headers['x-cursor-client-version'] !== undefined) return 'Cursor';
  return 'Unknown';
}

function startIncomingSpanHook(request) {
  const path = request.url.split('?')[0].toLowerCase().replace(/\/$/, '');
  if (request.method !== 'POST' || !ROUTES.has(path)) return {};
  const headers = request.headers;
  const provider = path.endsWith('/messages') ? 'anthropic' : 'openai';
  const client = clientOf(headers);
  const authorization = headers.authorization;
  const token =
    typeof authorization === 'string' && authorization.startsWith('Bearer ')
      ? authorization.slice(7)
      : headers['x-api-key'];
  const credentialId = token ? `key-${createHash('sha256').update(token).digest('hex').slice(0, 16)}` : undefined;
  const owner = headers['x-coder-owner-id'];
  let rejected;
  if (owner !== undefined) {
    if (client !== 'Coder Agents') rejected = 'client_not_allowed';
    else if (request.headersDistinct['x-coder-owner-id'].length > 1) rejected = 'multiple_values';
    else if (!UUID_V4.test(owner)) rejected = 'invalid_format';
  }
  const override = owner !== undefined && rejected === undefined;
  const attributes = {
    'initiator.override': override,
    'initiator.source': override ? 'owner_header' : credentialId ? 'credential' : 'none',
    'aibridge.client': client,
    'gen_ai.provider.name': provider,
  };
  const initiator = override ? owner.toLowerCase() : credentialId;
  if (initiator) attributes['enduser.id'] = initiator;
  if (credentialId) attributes['initiator.credential_id'] = credentialId;
  if (rejected) attributes['initiator.override.rejected_reason'] = rejected;
  const session = headers[SESSION_HEADERS[client]];
  if (typeof session === 'string' && session.length <= 256 && /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(session))
    attributes['gen_ai.conversation.id'] = session;
  request[STATE] = { attributes, provider, client, rejected, ownerLength: owner?.length, started: performance.now() };
  active.add(1, { 'gen_ai.provider.name': provider });
  return attributes;
}

function responseHook(span, response) {
  if (!(response instanceof ServerResponse)) return;
  const state = response.req[STATE];
  if (state === undefined) return;
  if (state.rejected)
    span.addEvent('initiator.override.rejected', {
      'initiator.override.rejected_reason': state.rejected,
      'initiator.override.value_length': state.ownerLength,
    });
  const chunks = [];
  const collect = (chunk, encoding) => {
    if (typeof chunk === 'string') chunks.push(Buffer.from(chunk, typeof encoding === 'string' ? encoding : 'utf8'));
    else if (chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
  };
  const write = response.write;
  const end = response.end;
  response.write = function (chunk, encoding, callback) {
    collect(chunk, encoding);
    return write.call(this, chunk, encoding, callback);
  };
  response.end = function (chunk, encoding, callback) {
    if (typeof chunk !== 'function') collect(chunk, encoding);
    return end.call(this, chunk, encoding, callback);
  };
  response.once('close', () => finish(span, response, state, chunks));
}

function finish(span, response, state, chunks) {
  const { provider, client } = state;
  const status = response.statusCode;
  const text = Buffer.concat(chunks).toString('utf8');
  const streaming = !text.trimStart().startsWith('{');
  let usage;
  let reason;
  try {
    usage = streaming ? streamUsage(text, provider) : jsonUsage(JSON.parse(text), provider);
    if (usage === undefined) reason = response.writableEnded ? 'missing' : 'truncated';
  } catch {
    reason = response.writableEnded ? 'malformed' : 'truncated';
  }
  const end = { 'aibridge.streaming': streaming };
  if (usage?.model) end['gen_ai.response.model'] = usage.model;
  if (usage) {
    end['gen_ai.usage.input_tokens'] = usage.input;
    end['gen_ai.usage.output_tokens'] = usage.output;
    if (usage.cacheRead !== undefined) end['gen_ai.usage.cache_read.input_tokens'] = usage.cacheRead;
    if (usage.cacheCreation !== undefined) end['gen_ai.usage.cache_creation.input_tokens'] = usage.cacheCreation;
    if (usage.reasoning !== undefined) end['gen_ai.usage.reasoning.output_tokens'] = usage.reasoning;
  } else if (status >= 200 && status < 300) end['aibridge.usage.unavailable'] = reason;
  span.setAttributes(end);

  const who = {
    'initiator.override': state.attributes['initiator.override'],
    'initiator.source': state.attributes['initiator.source'],
    'aibridge.client': client,
    'gen_ai.provider.name': provider,
  };
  active.add(-1, { 'gen_ai.provider.name': provider });
  interceptions.add(1, { ...who, 'http.response.status_code': status });
  duration.record((performance.now() - state.started) / 1000, {
    'initiator.override': who['initiator.override'],
    'gen_ai.provider.name': provider,
  });
  if (state.rejected) {
    const authentication = !state.attributes['initiator.credential_id']
      ? 'none'
      : status === 401 || status === 403
        ? 'refused'
        : 'accepted';
    rejections.add(1, {
      reason: state.rejected,
      'aibridge.client': client,
      'initiator.authentication': authentication,
    });
  }
  if (usage) {
    const model = usage.model ? { 'gen_ai.response.model': usage.model } : {};
    const cached = (usage.cacheRead ?? 0) + (usage.cacheCreation ?? 0);
    tokens.add(usage.input - cached, { ...who, ...model, 'gen_ai.token.type': 'input' });
    tokens.add(usage.cacheRead ?? 0, { ...who, ...model, 'gen_ai.token.type': 'cache_read' });
    tokens.add(usage.cacheCreation ?? 0, { ...who, ...model, 'gen_ai.token.type': 'cache_creation' });
    tokens.add(usage.output, { ...who, ...model, 'gen_ai.token.type': 'output' });
  } else if (status >= 200 && status < 300) {
    unavailable.add(1, { reason, 'aibridge.client': client, 'gen_ai.provider.name': provider });
  }
}

function jsonUsage(body, provider) {
  if (!body.usage) return undefined;
  const u = body.usage;
  if (provider === 'anthropic') {
    return {
      model: body.model,
      input: u.input_tokens + (u.cache_read_input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0),
      output: u.output_tokens,
      cacheRead: u.cache_read_input_tokens ?? undefined,
      cacheCreation: u.cache_creation_input_tokens ?? undefined,
    };
  }
  if (u.prompt_tokens !== undefined) {
    return {
      model: body.model,
      input: u.prompt_tokens,
      output: u.completion_tokens,
      cacheRead: u.prompt_tokens_details?.cached_tokens,
      reasoning: u.completion_tokens_details?.reasoning_tokens,
    };
  }
  return {
    model: body.model,
    input: u.input_tokens,
    output: u.output_tokens,
    cacheRead: u.input_tokens_details?.cached_tokens,
    reasoning: u.output_tokens_details?.reasoning_tokens,
  };
}

function streamUsage(text, provider) {
  let model;
  let usage;
  for (const event of text.split(/\r?\n\r?\n/)) {
    const data = event
      .split(/\r?\n/)
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).trimStart())
      .join('\n');
    if (data === '' || data === '[DONE]') continue;
    const chunk = JSON.parse(data);
    if (provider === 'anthropic') {
      if (chunk.type === 'message_start') {
        model = chunk.message.model;
        usage = jsonUsage(chunk.message, provider);
      } else if (chunk.type === 'message_delta' && usage && chunk.usage) usage.output = chunk.usage.output_tokens;
    } else if (chunk.type === undefined) {
      model = chunk.model ?? model;
      if (chunk.usage) usage = jsonUsage(chunk, provider);
    } else if (
      chunk.type === 'response.completed' ||
      chunk.type === 'response.incomplete' ||
      chunk.type === 'response.failed'
    ) {
      model = chunk.response.model;
      usage = jsonUsage(chunk.response, provider);
    }
  }
  if (usage) usage.model = model;
  return usage;
}

const sdk = new NodeSDK({ instrumentations: [new HttpInstrumentation({ startIncomingSpanHook, responseHook })] });
sdk.start();
const meter = metrics.getMeter('handwritten');
interceptions = meter.createCounter('aibridge.interceptions', { unit: '{interception}' });
rejections = meter.createCounter('aibridge.initiator.override.rejections', { unit: '{rejection}' });
duration = meter.createHistogram('aibridge.interception.duration', {
  unit: 's',
  advice: { explicitBucketBoundaries: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300] },
});
tokens = meter.createCounter('aibridge.tokens', { unit: '{token}' });
active = meter.createUpDownCounter('aibridge.interceptions.active', { unit: '{interception}' });
unavailable = meter.createCounter('aibridge.usage.unavailable', { unit: '{interception}' });
require('node:http');
process.on('SIGTERM', () => sdk.shutdown().then(() => process.exit(0)));
