import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintToken, type RejectionReason } from 'aibridge-initiator-otel';
import { createTestHarness, type TestHarness } from 'aibridge-initiator-otel/testing';
import { writeCredentialsFile } from '../support/credentials-file';
import { registerSecret } from '../support/scan';
import { ALICE_TOKEN, OWNER_A, SERVICE_TOKEN } from '../support/fixtures';
import { AUDIENCE, ISSUER, startJwks, type Jwks } from '../support/jwks';
import { postRaw, startGateway, startUpstream, type Running } from '../support/servers';

// Who calls: the real Coder Agents, another client, or someone sending Coder Agents' User-Agent.
const CLIENTS = {
  'Coder Agents': { userAgent: 'coder-agents/2.24.1', name: 'Coder Agents' },
  other: { userAgent: 'claude-cli/1.0.98 (external, cli)', name: 'Claude Code' },
  'spoofed UA': { userAgent: 'Coder-Agents/9.9.9 (not really)', name: 'Coder Agents' },
} as const;
type Client = keyof typeof CLIENTS;

const UNKNOWN_TOKEN = registerSecret('sk-nobody-knows-this-key-5e4d3c2b1a');
type Credential = 'trusted delegator' | 'ordinary user' | 'unknown' | 'none' | 'invalid JWT';
type Owner = 'valid' | 'invalid' | 'absent';

interface Expected {
  initiator: string | undefined;
  override: boolean;
  rejection: RejectionReason | undefined;
  credentialError: string | undefined;
}

let forgedJwt = '';

/** The contract, written out case by case. */
function expected(client: Client, credential: Credential, owner: Owner): Expected {
  const credentialInitiator = {
    'trusted delegator': 'svc-coder-agents',
    'ordinary user': 'alice',
    unknown: fingerprintToken(UNKNOWN_TOKEN),
    none: undefined,
    'invalid JWT': fingerprintToken(forgedJwt),
  }[credential];
  const credentialError = credential === 'invalid JWT' ? 'jwt_invalid_signature' : undefined;
  const rejected = (rejection: RejectionReason): Expected => ({
    initiator: credentialInitiator,
    override: false,
    rejection,
    credentialError,
  });
  if (owner === 'absent')
    return { initiator: credentialInitiator, override: false, rejection: undefined, credentialError };
  if (client === 'other') return rejected('client_not_allowed');
  if (owner === 'invalid') return rejected('invalid_format');
  if (credential !== 'trusted delegator') return rejected('credential_not_trusted');
  return { initiator: OWNER_A, override: true, rejection: undefined, credentialError };
}

let harness: TestHarness;
let jwks: Jwks;
let upstream: Running;
let gateway: Running;
const cases: { client: Client; credential: Credential; owner: Owner }[] = [];
for (const client of Object.keys(CLIENTS) as Client[])
  for (const credential of ['trusted delegator', 'ordinary user', 'unknown', 'none', 'invalid JWT'] as Credential[])
    for (const owner of ['valid', 'invalid', 'absent'] as Owner[]) cases.push({ client, credential, owner });

beforeAll(async () => {
  jwks = await startJwks();
  // Claims the delegating identity, signed with a key the endpoint does not serve.
  forgedJwt = await jwks.forge({ sub: 'svc-coder-agents' });
  harness = createTestHarness({
    credentialsFile: writeCredentialsFile([
      { token: SERVICE_TOKEN, initiator: 'svc-coder-agents', delegate: true },
      { token: ALICE_TOKEN, initiator: 'alice' },
    ]),
    jwt: { jwksUrl: jwks.jwksUrl, issuer: ISSUER, audience: AUDIENCE },
    http: { headersToSpanAttributes: { server: { requestHeaders: ['x-case'] } } },
  });
  upstream = await startUpstream();
  gateway = await startGateway(`${upstream.url}/provider`);
  for (const [index, { client, credential, owner }] of cases.entries()) {
    const token = {
      'trusted delegator': SERVICE_TOKEN,
      'ordinary user': ALICE_TOKEN,
      unknown: UNKNOWN_TOKEN,
      none: undefined,
      'invalid JWT': forgedJwt,
    }[credential];
    await postRaw(`${gateway.url}/v1/messages`, {
      'x-case': String(index),
      'user-agent': CLIENTS[client].userAgent,
      ...(token !== undefined && { authorization: `Bearer ${token}` }),
      ...(owner === 'valid' && { 'x-coder-owner-id': OWNER_A }),
      ...(owner === 'invalid' && { 'x-coder-owner-id': 'not-a-uuid' }),
    });
  }
  await harness.settled();
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
  await jwks.close();
  await harness.shutdown();
});

describe('spoofing matrix: client x credential x owner header', () => {
  it('covers all 45 combinations', () => {
    expect(cases).toHaveLength(45);
    expect(harness.interceptionSpans()).toHaveLength(45);
  });

  it.each(cases.map((c, index) => [index, c.client, c.credential, c.owner] as const))(
    'case %i: %s, %s credential, %s owner header',
    (index, client, credential, owner) => {
      const span = harness
        .interceptionSpans()
        .find((s) => String(s.attributes['http.request.header.x-case']) === String(index));
      const want = expected(client, credential, owner);
      expect(span?.attributes['enduser.id']).toBe(want.initiator);
      expect(span?.attributes['initiator.override']).toBe(want.override);
      expect(span?.attributes['initiator.override.rejected_reason']).toBe(want.rejection);
      expect(span?.attributes['initiator.credential.error']).toBe(want.credentialError);
      expect(span?.attributes['aibridge.client']).toBe(CLIENTS[client].name);
    },
  );

  it('counts exactly the rejections the matrix expects, by reason', async () => {
    const tally = new Map<string, number>();
    for (const c of cases) {
      const reason = expected(c.client, c.credential, c.owner).rejection;
      if (reason !== undefined) tally.set(reason, (tally.get(reason) ?? 0) + 1);
    }
    expect(tally.get('credential_not_trusted')).toBe(8);
    for (const [reason, count] of tally)
      expect(await harness.counterValue('aibridge.initiator.override.rejections', { reason })).toBe(count);
    expect(await harness.counterValue('aibridge.initiator.override.rejections')).toBe(
      [...tally.values()].reduce((a, b) => a + b, 0),
    );
  });

  it('counts the overrides and the invalid JWTs', async () => {
    expect(await harness.counterValue('aibridge.interceptions', { 'initiator.override': true })).toBe(2);
    expect(
      await harness.counterValue('aibridge.initiator.resolver.errors', {
        resolver: 'jwt',
        reason: 'invalid_signature',
      }),
    ).toBe(9);
  });

  it('exports no token, in any span or metric', async () => {
    const exported = JSON.stringify([
      harness.finishedSpans().map((s) => [s.attributes, s.events]),
      await harness.metricPoints(),
    ]);
    for (const token of [SERVICE_TOKEN, ALICE_TOKEN, UNKNOWN_TOKEN, forgedJwt]) expect(exported).not.toContain(token);
  });
});
