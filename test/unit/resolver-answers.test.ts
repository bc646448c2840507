import { describe, expect, it } from 'vitest';
import { createPolicy, fingerprintToken, resolveInitiator } from 'aibridge-initiator-otel';
import { ALICE_TOKEN } from '../support/fixtures';

const request = { authorization: `Bearer ${ALICE_TOKEN}`, 'x-auth-request-user': 'alice' };

describe('answers of resolvers', () => {
  it.each([
    ['empty', ''],
    ['surrounded by spaces', ' alice '],
    ['holding a control character', 'ali\nce'],
    ['longer than 256 characters', 'a'.repeat(257)],
    ['not a string', 42],
  ])(
    'an initiator ID %s is refused as invalid, whichever resolver gave it, and the fingerprint stands',
    async (_, answer) => {
      const policy = createPolicy({ credentialResolvers: [() => answer as string] });
      expect(await resolveInitiator(request, policy)).toMatchObject({
        initiator: fingerprintToken(ALICE_TOKEN),
        resolverErrors: [{ resolver: 'custom', reason: 'invalid' }],
      });
    },
  );

  it('the same check applies to an auth proxy header', async () => {
    const policy = createPolicy({ initiatorHeader: 'X-Auth-Request-User' });
    expect(await resolveInitiator({ ...request, 'x-auth-request-user': 'a'.repeat(257) }, policy)).toMatchObject({
      initiator: fingerprintToken(ALICE_TOKEN),
      resolverErrors: [{ resolver: 'initiator_header', reason: 'invalid' }],
    });
  });

  it('a printable ID of 256 characters is accepted', async () => {
    const policy = createPolicy({ credentialResolvers: [() => 'a'.repeat(256)] });
    expect(await resolveInitiator(request, policy)).toMatchObject({
      initiator: 'a'.repeat(256),
      source: 'credential',
      resolverErrors: [],
    });
  });
});
