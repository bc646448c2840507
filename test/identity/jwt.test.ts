import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { SpanKind, type Attributes } from '@opentelemetry/api';
import { SamplingDecision, type Sampler } from '@opentelemetry/sdk-trace';
import { createPolicy, fingerprintToken, resolveInitiator } from 'aibridge-initiator-otel';
import { createTestHarness, type TestHarness } from 'aibridge-initiator-otel/testing';
import { AUDIENCE, ISSUER, startJwks, type Jwks } from '../support/jwks';
import { registerSecret } from '../support/scan';
import { gatewayUnderTest, post } from '../support/servers';

const startAttributes: Attributes[] = [];
const recordStarts: Sampler = {
  shouldSample(_context, _traceId, _name, kind, attributes) {
    if (kind === SpanKind.SERVER) startAttributes.push(attributes);
    return { decision: SamplingDecision.RECORD_AND_SAMPLED };
  },
  toString: () => 'RecordStarts',
};

let jwks: Jwks;
let harness: TestHarness;
const gateway = gatewayUnderTest({ shutdown: () => harness.shutdown() });
beforeAll(async () => {
  jwks = await startJwks();
  harness = createTestHarness(
    { jwt: { jwksUrl: jwks.jwksUrl, issuer: ISSUER, audience: AUDIENCE } },
    { sampler: recordStarts },
  );
});
afterEach(() => {
  harness.reset();
  startAttributes.length = 0;
});
afterAll(async () => {
  await jwks.close();
});

async function interceptionWith(token: string, header: 'authorization' | 'x-api-key' = 'authorization') {
  await post(`${gateway.url}/v1/messages`, {
    'user-agent': 'claude-cli/1.0',
    [header]: header === 'authorization' ? `Bearer ${token}` : token,
  });
  // A first verification ends the span after the response.
  await harness.settled();
  const spans = harness.interceptionSpans();
  expect(spans).toHaveLength(1);
  return spans[0]!;
}

describe('JWT bearer tokens, verified against a JWKS endpoint', () => {
  it('a valid token is attributed to its sub claim', async () => {
    const span = await interceptionWith(await jwks.sign({ sub: 'alice@example.com' }));
    expect(span.attributes).toMatchObject({
      'enduser.id': 'alice@example.com',
      'initiator.credential_id': 'alice@example.com',
      'initiator.source': 'credential',
    });
    expect(span.attributes['initiator.credential.error']).toBeUndefined();
  });

  it.each([
    ['expired', () => jwks.sign({ sub: 'alice' }, { expiresAt: Math.floor(Date.now() / 1000) - 60 }), 'jwt_expired'],
    [
      'from another issuer',
      () => jwks.sign({ sub: 'alice' }, { issuer: 'https://evil.example' }),
      'jwt_invalid_claims',
    ],
    ['for another audience', () => jwks.sign({ sub: 'alice' }, { audience: 'someone-else' }), 'jwt_invalid_claims'],
    ['signed with an unknown key id', () => jwks.sign({ sub: 'alice' }, { kid: 'rotated-away' }), 'jwt_unknown_key'],
    ['signed with a key the endpoint does not serve', () => jwks.forge({ sub: 'alice' }), 'jwt_invalid_signature'],
    ['without the claim', () => jwks.sign({}), 'jwt_claim_missing'],
  ])('a token %s yields no identity: the fingerprint, and why', async (_, make, error) => {
    const token = await make();
    const span = await interceptionWith(token);
    expect(span.attributes['enduser.id']).toBe(fingerprintToken(token));
    expect(span.attributes['initiator.credential.error']).toBe(error);
    expect(await harness.counterValue('aibridge.initiator.resolver.errors', { resolver: 'jwt' })).toBe(1);
  });

  it('leaves tokens that are not JWTs, and JWTs sent as X-Api-Key, to the fingerprint without an error', async () => {
    const jwt = await jwks.sign({ sub: 'alice' });
    for (const [token, header] of [
      [registerSecret('sk-plain-api-key-0001'), 'authorization'],
      [jwt, 'x-api-key'],
    ] as const) {
      harness.reset();
      const span = await interceptionWith(token, header);
      expect(span.attributes['enduser.id']).toBe(fingerprintToken(token));
      expect(span.attributes['initiator.credential.error']).toBeUndefined();
    }
  });

  it('verifies a token once: a repeat is answered at span start, so samplers see the identity', async () => {
    const token = await jwks.sign({ sub: 'bob@example.com' });
    await interceptionWith(token);
    harness.reset();
    await interceptionWith(token);
    const [first, second] = startAttributes.filter((a) => a['gen_ai.provider.name'] !== undefined);
    expect(first?.['enduser.id']).toBeUndefined();
    expect(first?.['aibridge.client']).toBe('Claude Code');
    expect(second?.['enduser.id']).toBe('bob@example.com');
    expect(second?.['initiator.override']).toBe(false);
  });

  it('fetches the key set once for many tokens', async () => {
    const before = jwks.fetches();
    for (const sub of ['carol', 'dave', 'erin']) {
      harness.reset();
      await interceptionWith(await jwks.sign({ sub }));
    }
    expect(jwks.fetches() - before).toBeLessThanOrEqual(1);
  });

  it('never exports the token', async () => {
    const token = await jwks.sign({ sub: 'frank' });
    await interceptionWith(token);
    const exported = JSON.stringify([
      harness.finishedSpans().map((s) => [s.attributes, s.events]),
      await harness.metricPoints(),
    ]);
    expect(exported).not.toContain(token);
    expect(exported).not.toContain(token.split('.')[2]);
  });
});

describe('other JWT key sources', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aibridge-jwt-'));

  it('a PEM public key file', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const keyFile = join(dir, 'public.pem');
    writeFileSync(keyFile, publicKey.export({ type: 'spki', format: 'pem' }));
    const policy = createPolicy({ jwt: { publicKeyFile: keyFile, claim: 'email' } });
    const token = await new SignJWT({ email: 'gina@example.com' })
      .setProtectedHeader({ alg: 'ES256' })
      .setExpirationTime('1h')
      .sign(privateKey);
    expect((await resolveInitiator({ authorization: `Bearer ${token}` }, policy)).initiator).toBe('gina@example.com');
  });

  it('a shared secret', async () => {
    const secret = registerSecret('a-shared-secret-of-at-least-32-characters!');
    const policy = createPolicy({ jwt: { secret } });
    const good = await new SignJWT({ sub: 'hank' })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(secret));
    const bad = await new SignJWT({ sub: 'hank' })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(`${secret}-not`));
    expect((await resolveInitiator({ authorization: `Bearer ${good}` }, policy)).initiator).toBe('hank');
    const refused = await resolveInitiator({ authorization: `Bearer ${bad}` }, policy);
    expect(refused.initiator).toBe(fingerprintToken(bad));
    expect(refused.resolverErrors).toEqual([{ resolver: 'jwt', reason: 'invalid_signature' }]);
  });
});

describe('an unreachable JWKS endpoint', () => {
  it('yields no identity, says jwks_unavailable, and is asked again next time rather than cached', async () => {
    const unreachable = createPolicy({ jwt: { jwksUrl: 'http://127.0.0.1:9/jwks.json' } });
    const token = await jwks.sign({ sub: 'ivy' });
    for (let attempt = 0; attempt < 2; attempt++) {
      const resolution = await resolveInitiator({ authorization: `Bearer ${token}` }, unreachable);
      expect(resolution.initiator).toBe(fingerprintToken(token));
      expect(resolution.resolverErrors).toEqual([{ resolver: 'jwt', reason: 'jwks_unavailable' }]);
    }
  });
});

describe('JWT identities and delegation', () => {
  it('a verified JWT whose subject is a trusted initiator may delegate; a forged one claiming it may not', async () => {
    const policy = createPolicy({
      jwt: { jwksUrl: jwks.jwksUrl, issuer: ISSUER, audience: AUDIENCE },
      trustedInitiators: ['svc-coder-agents'],
    });
    const headers = (token: string) => ({
      'user-agent': 'coder-agents/2.24.1',
      authorization: `Bearer ${token}`,
      'x-coder-owner-id': '3f2504e0-4f89-41d3-9a0c-0305e82c3301',
    });
    const genuine = await resolveInitiator(headers(await jwks.sign({ sub: 'svc-coder-agents' })), policy);
    expect(genuine).toMatchObject({ override: true, credentialInitiator: 'svc-coder-agents' });
    const forged = await jwks.forge({ sub: 'svc-coder-agents' });
    const refused = await resolveInitiator(headers(forged), policy);
    expect(refused).toMatchObject({
      override: false,
      credentialInitiator: fingerprintToken(forged),
      rejection: { reason: 'credential_not_trusted' },
    });
    expect(refused.resolverErrors).toEqual([{ resolver: 'jwt', reason: 'invalid_signature' }]);
  });

  it('a token cannot choose how it is checked: an HMAC made with the public key, or no signature at all', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const keyFile = join(mkdtempSync(join(tmpdir(), 'aibridge-alg-')), 'public.pem');
    writeFileSync(keyFile, pem);
    const policy = createPolicy({ jwt: { publicKeyFile: keyFile } });
    const genuine = await new SignJWT({ sub: 'jo' }).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
    const confused = await new SignJWT({ sub: 'mallory' })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(pem));
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"mallory"}').toString('base64url')}.`;
    expect((await resolveInitiator({ authorization: `Bearer ${genuine}` }, policy)).initiator).toBe('jo');
    for (const token of [confused, unsigned]) {
      const resolution = await resolveInitiator({ authorization: `Bearer ${token}` }, policy);
      expect(resolution.initiator).toBe(fingerprintToken(token));
      expect(resolution.resolverErrors).toHaveLength(1);
      expect(resolution.resolverErrors[0]?.reason).toMatch(/^(algorithm_not_allowed|malformed)$/);
    }
  });
});
