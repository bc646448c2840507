import { describe, expect, it } from 'vitest';
import { fingerprintToken, resolveInitiator, createPolicy } from 'aibridge-initiator-otel';
import { ALICE_TOKEN, BOB_API_KEY, CLAUDE_CODE_UA, CODER_AGENTS_UA, OWNER_A, SERVICE_TOKEN } from '../support/fixtures';

describe('resolution', () => {
  it('Coder Agents with a valid owner header is attributed to the owner', async () => {
    expect(
      await resolveInitiator({
        'user-agent': CODER_AGENTS_UA,
        authorization: `Bearer ${SERVICE_TOKEN}`,
        'x-coder-owner-id': OWNER_A,
      }),
    ).toEqual({
      initiator: OWNER_A,
      source: 'owner_header',
      override: true,
      credentialInitiator: fingerprintToken(SERVICE_TOKEN),
      client: 'Coder Agents',
      rejection: undefined,
      resolverErrors: [],
    });
  });

  it('Coder Agents without the header keeps the credential initiator', async () => {
    expect(await resolveInitiator({ 'user-agent': CODER_AGENTS_UA, authorization: `Bearer ${SERVICE_TOKEN}` })).toEqual(
      {
        initiator: fingerprintToken(SERVICE_TOKEN),
        source: 'credential',
        override: false,
        credentialInitiator: fingerprintToken(SERVICE_TOKEN),
        client: 'Coder Agents',
        rejection: undefined,
        resolverErrors: [],
      },
    );
  });

  it('an ordinary user is attributed to their own credential', async () => {
    const resolution = await resolveInitiator({ 'user-agent': CLAUDE_CODE_UA, 'x-api-key': BOB_API_KEY });
    expect(resolution.initiator).toBe(fingerprintToken(BOB_API_KEY));
    expect(resolution.source).toBe('credential');
    expect(resolution.client).toBe('Claude Code');
  });

  it('no credential and no owner header has no initiator', async () => {
    expect(await resolveInitiator({ 'user-agent': 'curl/8' })).toMatchObject({
      initiator: undefined,
      source: 'none',
      override: false,
    });
  });

  it('a trusted delegator with a valid header from Coder Agents but no credential on the default policy is owner-attributed', async () => {
    // Without trusted initiators configured, any caller (even without credential) may delegate.
    const resolution = await resolveInitiator({ 'user-agent': CODER_AGENTS_UA, 'x-coder-owner-id': OWNER_A });
    expect(resolution).toMatchObject({ initiator: OWNER_A, override: true, credentialInitiator: undefined });
  });

  it('accepts Fetch API Headers', async () => {
    const headers = new Headers({
      'User-Agent': CODER_AGENTS_UA,
      Authorization: `Bearer ${ALICE_TOKEN}`,
      'X-Coder-Owner-Id': OWNER_A,
    });
    expect((await resolveInitiator(headers)).initiator).toBe(OWNER_A);
  });

  it('treats two spellings of one header name as a repeated header', async () => {
    const resolution = await resolveInitiator({
      'user-agent': CODER_AGENTS_UA,
      'x-coder-owner-id': OWNER_A,
      'X-Coder-Owner-Id': OWNER_A,
    });
    expect(resolution.rejection?.reason).toBe('multiple_values');
  });

  it('uses the first credential resolver that knows the credential, then the fingerprint', async () => {
    const policy = createPolicy({
      credentialResolvers: [
        () => undefined,
        ({ credential }) => (credential.token === ALICE_TOKEN ? 'alice' : undefined),
      ],
    });
    expect((await resolveInitiator({ authorization: `Bearer ${ALICE_TOKEN}` }, policy)).initiator).toBe('alice');
    expect((await resolveInitiator({ authorization: `Bearer ${SERVICE_TOKEN}` }, policy)).initiator).toBe(
      fingerprintToken(SERVICE_TOKEN),
    );
  });

  it('skips a throwing credential resolver, records why without its message, and the fingerprint stands', async () => {
    const policy = createPolicy({
      credentialResolvers: [
        ({ credential }) => {
          throw new Error(`lookup failed for ${credential.token}`);
        },
      ],
    });
    const resolution = await resolveInitiator({ authorization: `Bearer ${ALICE_TOKEN}` }, policy);
    expect(resolution.initiator).toBe(fingerprintToken(ALICE_TOKEN));
    expect(resolution.resolverErrors).toEqual([{ resolver: 'custom', reason: 'error' }]);
    expect(JSON.stringify(resolution)).not.toContain(ALICE_TOKEN);
  });
});

describe('resolution is total', () => {
  const hostile: unknown[] = [
    undefined,
    null,
    {},
    'a string',
    42,
    [],
    { 'user-agent': 42, authorization: { toString: () => 'Bearer x' }, 'x-coder-owner-id': 7 },
    { 'user-agent': [CODER_AGENTS_UA, 'curl'], 'x-coder-owner-id': [] },
    { 'user-agent': [], authorization: [], 'x-api-key': [undefined] },
    Object.create(null),
    { 'x-coder-owner-id': 'x'.repeat(100_000), 'user-agent': CODER_AGENTS_UA },
    { get: () => null },
    {
      get 'user-agent'(): string {
        throw new Error('hostile getter');
      },
    },
    new Proxy(
      {},
      {
        ownKeys: () => {
          throw new Error('hostile proxy');
        },
      },
    ),
  ];

  it.each(hostile.map((input, index) => [index, input]))(
    'gives a Resolution for hostile input #%i',
    async (_, input) => {
      const resolution = await resolveInitiator(input as never);
      expect(['owner_header', 'credential', 'none']).toContain(resolution.source);
      expect(typeof resolution.override).toBe('boolean');
      expect(typeof resolution.client).toBe('string');
    },
  );
});
