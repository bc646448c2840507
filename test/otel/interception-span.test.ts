import { afterEach, describe, expect, it } from 'vitest';
import { SpanKind } from '@opentelemetry/api';
import { currentInitiator, fingerprintToken, type Resolution } from 'aibridge-initiator-otel';
import { createTestHarness } from 'aibridge-initiator-otel/testing';
import { ALICE_TOKEN, CLAUDE_CODE_UA, CODER_AGENTS_UA, OWNER_A, SERVICE_TOKEN } from '../support/fixtures';
import { gatewayUnderTest, post, postRaw } from '../support/servers';

const harness = createTestHarness();
const gateway = gatewayUnderTest(harness, () => seenInHandler.push(currentInitiator()));
const seenInHandler: (Resolution | undefined)[] = [];

afterEach(() => {
  harness.reset();
  seenInHandler.length = 0;
});

const coderAgents = (owner?: string) => ({
  'user-agent': CODER_AGENTS_UA,
  authorization: `Bearer ${SERVICE_TOKEN}`,
  ...(owner !== undefined && { 'x-coder-owner-id': owner }),
});

function onlyInterceptionSpan() {
  const spans = harness.interceptionSpans();
  expect(spans).toHaveLength(1);
  return spans[0]!;
}

describe('interception server span', () => {
  it('Coder Agents with a valid owner header is attributed to the owner, at span start', async () => {
    await post(`${gateway.url}/openai/v1/chat/completions`, coderAgents(OWNER_A));
    const span = onlyInterceptionSpan();
    expect(span.attributes).toMatchObject({
      'enduser.id': OWNER_A,
      'initiator.override': true,
      'initiator.source': 'owner_header',
      'initiator.credential_id': fingerprintToken(SERVICE_TOKEN),
      'aibridge.client': 'Coder Agents',
      'gen_ai.provider.name': 'openai',
    });
    expect(span.attributes['initiator.override.rejected_reason']).toBeUndefined();
  });

  it('records no event for an applied owner header: its attributes already say it', async () => {
    await post(`${gateway.url}/v1/messages`, coderAgents(OWNER_A));
    const span = onlyInterceptionSpan();
    expect(span.attributes).toMatchObject({
      'enduser.id': OWNER_A,
      'initiator.credential_id': fingerprintToken(SERVICE_TOKEN),
      'initiator.override': true,
    });
    expect(span.events).toEqual([]);
  });

  it('Coder Agents without the header keeps the credential initiator and has no event', async () => {
    await post(`${gateway.url}/v1/messages`, coderAgents());
    const span = onlyInterceptionSpan();
    expect(span.attributes).toMatchObject({
      'enduser.id': fingerprintToken(SERVICE_TOKEN),
      'initiator.override': false,
      'initiator.source': 'credential',
      'gen_ai.provider.name': 'anthropic',
    });
    expect(span.events).toEqual([]);
  });

  it('another client sending the header keeps its credential initiator, rejected client_not_allowed', async () => {
    await post(`${gateway.url}/v1/chat/completions`, {
      'user-agent': CLAUDE_CODE_UA,
      authorization: `Bearer ${ALICE_TOKEN}`,
      'x-coder-owner-id': OWNER_A,
    });
    const span = onlyInterceptionSpan();
    expect(span.attributes).toMatchObject({
      'enduser.id': fingerprintToken(ALICE_TOKEN),
      'initiator.override': false,
      'initiator.override.rejected_reason': 'client_not_allowed',
      'aibridge.client': 'Claude Code',
    });
  });

  it('a rejected header is described by its reason and length, never its value', async () => {
    const payload = '<script>alert(1)</script>';
    await post(`${gateway.url}/v1/responses`, coderAgents(payload));
    const span = onlyInterceptionSpan();
    expect(span.attributes['initiator.override.rejected_reason']).toBe('invalid_format');
    expect(span.events).toHaveLength(1);
    expect(span.events[0]?.name).toBe('initiator.override.rejected');
    expect(span.events[0]?.attributes).toEqual({
      'initiator.override.rejected_reason': 'invalid_format',
      'initiator.override.value_length': payload.length,
    });
    expect(JSON.stringify(harness.finishedSpans().map((s) => [s.attributes, s.events]))).not.toContain('script');
  });

  it('a repeated owner header is rejected multiple_values', async () => {
    await postRaw(`${gateway.url}/v1/messages`, { ...coderAgents(), 'x-coder-owner-id': [OWNER_A, OWNER_A] });
    expect(onlyInterceptionSpan().attributes['initiator.override.rejected_reason']).toBe('multiple_values');
  });

  it('one owner header whose value holds a comma is a single invalid value, not a repeat', async () => {
    await post(`${gateway.url}/v1/messages`, coderAgents(`${OWNER_A},${OWNER_A}`));
    expect(onlyInterceptionSpan().attributes['initiator.override.rejected_reason']).toBe('invalid_format');
  });

  it('non-interception routes keep their ordinary span, without initiator attributes', async () => {
    await fetch(`${gateway.url}/v1/models`, { headers: coderAgents(OWNER_A) });
    await post(`${gateway.url}/v1/embeddings`, coderAgents(OWNER_A));
    const servers = harness.finishedSpans().filter((s) => s.kind === SpanKind.SERVER);
    expect(servers.length).toBeGreaterThanOrEqual(2);
    for (const span of servers) {
      expect(
        Object.keys(span.attributes).filter(
          (k) => k.startsWith('initiator.') || k.startsWith('aibridge.') || k === 'enduser.id',
        ),
      ).toEqual([]);
    }
    expect(harness.interceptionSpans()).toEqual([]);
  });
});

describe('inside an interception', () => {
  it('the upstream call is a child span carrying enduser.id', async () => {
    await post(`${gateway.url}/openai/v1/chat/completions`, coderAgents(OWNER_A));
    const server = onlyInterceptionSpan();
    const children = harness.finishedSpans().filter((s) => s.parentSpanContext?.spanId === server.spanContext().spanId);
    expect(children).toHaveLength(1);
    expect(children[0]?.kind).toBe(SpanKind.CLIENT);
    expect(children[0]?.attributes['enduser.id']).toBe(OWNER_A);
  });

  it('gateway code sees the Resolution through currentInitiator()', async () => {
    await post(`${gateway.url}/v1/messages`, coderAgents(OWNER_A));
    expect(seenInHandler).toHaveLength(1);
    expect(seenInHandler[0]).toMatchObject({ initiator: OWNER_A, override: true, client: 'Coder Agents' });
  });

  it('a streamed response ends its span when the stream ends', async () => {
    const started = Date.now();
    const { text } = await post(`${gateway.url}/v1/messages`, coderAgents(OWNER_A), { stream: true, delayMs: 60 });
    expect(text).toContain('data: [DONE]');
    const span = onlyInterceptionSpan();
    const durationMs = span.duration[0] * 1e3 + span.duration[1] / 1e6;
    expect(durationMs).toBeGreaterThanOrEqual(4 * 60 - 5);
    expect(durationMs).toBeLessThanOrEqual(Date.now() - started + 5);
  });
});
