import { afterEach, describe, expect, it } from 'vitest';
import { fingerprintToken } from 'aibridge-initiator-otel';
import { createTestHarness } from 'aibridge-initiator-otel/testing';
import { CODER_AGENTS_UA, OWNER_A, SERVICE_TOKEN } from '../support/fixtures';
import { gatewayUnderTest, post } from '../support/servers';

const harness = createTestHarness({
  http: {
    // A hook that tries to name the initiator itself, as a careless gateway might.
    startIncomingSpanHook: () => ({
      'enduser.id': 'forged',
      'initiator.source': 'forged',
      'team.name': 'gateway-team',
    }),
    headersToSpanAttributes: {
      server: { requestHeaders: ['Authorization', 'x-api-key', 'X-Coder-Owner-Id', 'user-agent'] },
      client: { requestHeaders: ['authorization'] },
    },
  },
});
const gateway = gatewayUnderTest(harness);
afterEach(() => harness.reset());

describe('the gateway’s own HTTP instrumentation options', () => {
  it('cannot fill in or forge the initiator of an interception; its other attributes stay', async () => {
    await post(`${gateway.url}/v1/messages`, { 'user-agent': 'curl/8', 'x-api-key': SERVICE_TOKEN });
    const span = harness.interceptionSpans()[0];
    expect(span?.attributes).toMatchObject({
      'enduser.id': fingerprintToken(SERVICE_TOKEN),
      'initiator.source': 'credential',
      'team.name': 'gateway-team',
    });
  });

  it('keep their attributes on requests that are not interceptions', async () => {
    await fetch(`${gateway.url}/health`);
    const span = harness.finishedSpans().find((s) => s.attributes['url.path'] === '/health');
    expect(span?.attributes['team.name']).toBe('gateway-team');
  });

  it('never capture credential headers or the owner header', async () => {
    await post(`${gateway.url}/v1/messages`, {
      'user-agent': CODER_AGENTS_UA,
      authorization: `Bearer ${SERVICE_TOKEN}`,
      'x-coder-owner-id': OWNER_A,
    });
    const captured = harness
      .finishedSpans()
      .flatMap((s) => Object.keys(s.attributes).filter((k) => k.startsWith('http.request.header.')));
    expect(captured).toContain('http.request.header.user-agent');
    expect(captured.filter((k) => /authorization|api-key|owner/.test(k))).toEqual([]);
    expect(JSON.stringify(harness.finishedSpans().map((s) => s.attributes))).not.toContain(SERVICE_TOKEN);
  });
});
