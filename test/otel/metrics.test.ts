import { afterEach, describe, expect, it } from 'vitest';
import { fingerprintToken, type RejectionReason } from 'aibridge-initiator-otel';
import { createTestHarness } from 'aibridge-initiator-otel/testing';
import { ALICE_TOKEN, CLAUDE_CODE_UA, CODER_AGENTS_UA, OWNER_A, OWNER_B, SERVICE_TOKEN } from '../support/fixtures';
import { gatewayUnderTest, post, postRaw } from '../support/servers';

const SERVICE_ID = fingerprintToken(SERVICE_TOKEN);
// Trusting only the service account makes credential_not_trusted reachable.
const harness = createTestHarness({ trustedInitiators: [SERVICE_ID] });
const gateway = gatewayUnderTest(harness);

afterEach(() => harness.reset());

const agents = (owner: string, token = SERVICE_TOKEN) => ({
  'user-agent': CODER_AGENTS_UA,
  authorization: `Bearer ${token}`,
  'x-coder-owner-id': owner,
});

describe('aibridge.interceptions', () => {
  it('counts each interception once the response is done, with its status code', async () => {
    await post(`${gateway.url}/v1/chat/completions`, agents(OWNER_A));
    await post(`${gateway.url}/v1/chat/completions`, agents(OWNER_B));
    await post(`${gateway.url}/v1/messages`, agents(OWNER_A), { status: 429 });
    const points = await harness.metricPoints('aibridge.interceptions');
    expect(points.map((p) => [p.attributes, p.value])).toEqual(
      expect.arrayContaining([
        [
          {
            'initiator.override': true,
            'initiator.source': 'owner_header',
            'aibridge.client': 'Coder Agents',
            'gen_ai.provider.name': 'openai',
            'http.response.status_code': 200,
          },
          2,
        ],
        [
          {
            'initiator.override': true,
            'initiator.source': 'owner_header',
            'aibridge.client': 'Coder Agents',
            'gen_ai.provider.name': 'anthropic',
            'http.response.status_code': 429,
          },
          1,
        ],
      ]),
    );
    expect(points).toHaveLength(2);
  });

  it('separates credential-attributed and unattributed interceptions', async () => {
    await post(`${gateway.url}/v1/messages`, { 'user-agent': CLAUDE_CODE_UA, authorization: `Bearer ${ALICE_TOKEN}` });
    await post(`${gateway.url}/v1/messages`, { 'user-agent': 'curl/8.5.0' });
    expect(
      await harness.counterValue('aibridge.interceptions', {
        'initiator.source': 'credential',
        'aibridge.client': 'Claude Code',
      }),
    ).toBe(1);
    expect(
      await harness.counterValue('aibridge.interceptions', {
        'initiator.source': 'none',
        'aibridge.client': 'Unknown',
      }),
    ).toBe(1);
  });

  it('does not count non-interception requests', async () => {
    await fetch(`${gateway.url}/health`);
    await post(`${gateway.url}/v1/models`, agents(OWNER_A));
    expect(await harness.metricPoints('aibridge.interceptions')).toEqual([]);
  });
});

describe('aibridge.initiator.override.rejections', () => {
  const cases: [RejectionReason, Record<string, string | string[]>][] = [
    ['invalid_format', agents('c232ab00-9414-11ec-b3c8-9f6bdeced846')],
    ['multiple_values', { ...agents(OWNER_A), 'x-coder-owner-id': [OWNER_A, OWNER_B] }],
    ['client_not_allowed', { ...agents(OWNER_A), 'user-agent': CLAUDE_CODE_UA }],
    ['credential_not_trusted', agents(OWNER_A, ALICE_TOKEN)],
  ];

  it.each(cases)('counts %s by reason and client', async (reason, headers) => {
    await postRaw(`${gateway.url}/v1/messages`, headers);
    const points = (await harness.metricPoints('aibridge.initiator.override.rejections')).filter((p) => p.value !== 0);
    expect(points).toEqual([
      {
        name: 'aibridge.initiator.override.rejections',
        attributes: {
          reason,
          'aibridge.client': headers['user-agent'] === CLAUDE_CODE_UA ? 'Claude Code' : 'Coder Agents',
          // Each case carries a credential the test gateway answers 200 to.
          'initiator.authentication': 'accepted',
        },
        value: 1,
      },
    ]);
    expect(harness.interceptionSpans()[0]?.attributes['initiator.override.rejected_reason']).toBe(reason);
  });

  it('counts nothing when the header applies or is absent', async () => {
    await post(`${gateway.url}/v1/messages`, agents(OWNER_A));
    await post(`${gateway.url}/v1/messages`, {
      'user-agent': CODER_AGENTS_UA,
      authorization: `Bearer ${SERVICE_TOKEN}`,
    });
    expect(await harness.counterValue('aibridge.initiator.override.rejections')).toBe(0);
  });

  it('starts every reason, client and authentication at zero, so the first rejection is an increase Prometheus sees', async () => {
    const points = await harness.metricPoints('aibridge.initiator.override.rejections');
    expect(points).toHaveLength(4 * 14 * 3);
    expect(points.every((p) => p.value === 0)).toBe(true);
    expect(points).toContainEqual({
      name: 'aibridge.initiator.override.rejections',
      attributes: {
        reason: 'credential_not_trusted',
        'aibridge.client': 'Coder Agents',
        'initiator.authentication': 'none',
      },
      value: 0,
    });
  });
});

describe('aibridge.interception.duration', () => {
  it('records seconds per interception, split by override and provider', async () => {
    await post(`${gateway.url}/v1/messages`, agents(OWNER_A), { delayMs: 100 });
    await post(`${gateway.url}/v1/messages`, { 'user-agent': CLAUDE_CODE_UA, authorization: `Bearer ${ALICE_TOKEN}` });
    const points = await harness.metricPoints('aibridge.interception.duration');
    expect(points.map((p) => p.attributes)).toEqual(
      expect.arrayContaining([
        { 'initiator.override': true, 'gen_ai.provider.name': 'anthropic' },
        { 'initiator.override': false, 'gen_ai.provider.name': 'anthropic' },
      ]),
    );
    const overridden = points.find((p) => p.attributes['initiator.override'] === true)?.value;
    expect(overridden).toMatchObject({ count: 1 });
    expect(typeof overridden === 'object' && overridden.sum).toBeGreaterThanOrEqual(0.1);
    expect(typeof overridden === 'object' && overridden.buckets.boundaries).toEqual([
      0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 180, 300,
    ]);
  });
});

describe('metric attributes', () => {
  it('never carry a user ID, a credential ID or a header value', async () => {
    await post(`${gateway.url}/v1/messages`, agents(OWNER_A));
    await post(`${gateway.url}/v1/messages`, agents(OWNER_B, ALICE_TOKEN));
    await post(`${gateway.url}/v1/messages`, agents('<img src=x onerror=alert(1)>'));
    const allowed = [
      'initiator.override',
      'initiator.source',
      'aibridge.client',
      'gen_ai.provider.name',
      'http.response.status_code',
      'reason',
      'initiator.authentication',
    ];
    const points = (await harness.metricPoints()).filter((p) => p.name.startsWith('aibridge.'));
    expect(points.length).toBeGreaterThan(0);
    const serialised = JSON.stringify(points);
    for (const secret of [OWNER_A, OWNER_B, SERVICE_ID, fingerprintToken(ALICE_TOKEN), 'onerror'])
      expect(serialised).not.toContain(secret);
    for (const point of points) for (const key of Object.keys(point.attributes)) expect(allowed).toContain(key);
  });
});
