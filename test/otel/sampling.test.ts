import { describe, expect, it } from 'vitest';
import { SpanKind, type Attributes } from '@opentelemetry/api';
import { SamplingDecision, type Sampler } from '@opentelemetry/sdk-trace';
import { createTestHarness } from 'aibridge-initiator-otel/testing';
import { CODER_AGENTS_UA, OWNER_A, SERVICE_TOKEN } from '../support/fixtures';
import { gatewayUnderTest, post } from '../support/servers';

// Keeps only server spans of interceptions attributed through the owner header (and their children).
const seenAtStart: Attributes[] = [];
const overridesOnly: Sampler = {
  shouldSample(_context, _traceId, _name, kind, attributes) {
    if (kind !== SpanKind.SERVER) return { decision: SamplingDecision.RECORD_AND_SAMPLED };
    seenAtStart.push(attributes);
    return {
      decision:
        attributes['initiator.override'] === true ? SamplingDecision.RECORD_AND_SAMPLED : SamplingDecision.NOT_RECORD,
    };
  },
  toString: () => 'OverridesOnly',
};

const harness = createTestHarness({}, { sampler: overridesOnly });
const gateway = gatewayUnderTest(harness);

describe('sampling', () => {
  it('a sampler sees the initiator attributes at span start and can keep only overrides', async () => {
    const agents = { 'user-agent': CODER_AGENTS_UA, authorization: `Bearer ${SERVICE_TOKEN}` };
    await post(`${gateway.url}/v1/messages`, { ...agents, 'x-coder-owner-id': OWNER_A });
    await post(`${gateway.url}/v1/messages`, agents);
    const interceptionStarts = seenAtStart.filter((a) => a['initiator.override'] !== undefined);
    expect(interceptionStarts.map((a) => [a['initiator.override'], a['enduser.id']])).toEqual([
      [true, OWNER_A],
      [false, expect.stringMatching(/^key-[0-9a-f]{16}$/)],
    ]);
    expect(harness.interceptionSpans().map((s) => s.attributes['enduser.id'])).toEqual([OWNER_A]);
  });

  it('unsampled interceptions are still counted', async () => {
    harness.reset();
    const agents = { 'user-agent': CODER_AGENTS_UA, authorization: `Bearer ${SERVICE_TOKEN}` };
    await post(`${gateway.url}/v1/messages`, { ...agents, 'x-coder-owner-id': OWNER_A });
    await post(`${gateway.url}/v1/messages`, agents);
    expect(harness.interceptionSpans()).toHaveLength(1);
    expect(await harness.counterValue('aibridge.interceptions', { 'initiator.override': false })).toBe(1);
    expect(await harness.counterValue('aibridge.interceptions', { 'initiator.override': true })).toBe(1);
  });
});
