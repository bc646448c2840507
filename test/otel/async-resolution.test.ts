import { afterEach, describe, expect, it } from 'vitest';
import { SpanKind } from '@opentelemetry/api';
import { createTestHarness } from 'aibridge-initiator-otel/testing';
import { CODER_AGENTS_UA, OWNER_A, SERVICE_TOKEN } from '../support/fixtures';
import { registerSecret } from '../support/scan';
import { gatewayUnderTest, post } from '../support/servers';

// A directory lookup that answers well after the mock provider has.
const harness = createTestHarness({
  credentialResolvers: [() => new Promise((resolve) => setTimeout(() => resolve('svc-coder-agents'), 800))],
  trustedInitiators: ['svc-coder-agents'],
});
const gateway = gatewayUnderTest(harness);
afterEach(() => harness.reset());

describe('a resolver that answers after the response', () => {
  it('the server span still gets the final attributes and its own end time; the child span gets enduser.id', async () => {
    const started = performance.now();
    const { status } = await post(`${gateway.url}/v1/messages`, {
      'user-agent': CODER_AGENTS_UA,
      authorization: `Bearer ${SERVICE_TOKEN}`,
      'x-coder-owner-id': OWNER_A,
    });
    const responded = performance.now() - started;
    expect(status).toBe(200);
    expect(responded).toBeLessThan(600);
    await harness.settled();
    const [server] = harness.interceptionSpans();
    expect(server?.attributes).toMatchObject({
      'enduser.id': OWNER_A,
      'initiator.credential_id': 'svc-coder-agents',
      'initiator.override': true,
    });
    expect(server?.events).toEqual([]);
    const durationMs = server!.duration[0] * 1e3 + server!.duration[1] / 1e6;
    expect(durationMs).toBeLessThan(600);
    const child = harness
      .finishedSpans()
      .find((s) => s.kind === SpanKind.CLIENT && s.parentSpanContext?.spanId === server?.spanContext().spanId);
    expect(child?.attributes['enduser.id']).toBe(OWNER_A);
  });

  it('the metrics carry the final values', async () => {
    await post(`${gateway.url}/v1/messages`, {
      'user-agent': CODER_AGENTS_UA,
      authorization: `Bearer ${registerSecret(`sk-another-${Date.now()}`)}`,
      'x-coder-owner-id': OWNER_A,
    });
    await harness.settled();
    expect(
      await harness.counterValue('aibridge.interceptions', {
        'initiator.override': true,
        'initiator.source': 'owner_header',
      }),
    ).toBe(1);
  });
});
