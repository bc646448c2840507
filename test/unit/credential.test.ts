import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Credential, extractCredential, fingerprintToken } from '../../src/resolution/credential';
import { ALICE_TOKEN, BOB_API_KEY } from '../support/fixtures';

describe('credential extraction', () => {
  it('takes the bearer token from Authorization', () => {
    const credential = extractCredential({ authorization: `Bearer ${ALICE_TOKEN}` });
    expect(credential?.kind).toBe('bearer');
    expect(credential?.token).toBe(ALICE_TOKEN);
  });

  it('accepts the Bearer scheme in any case', () => {
    expect(extractCredential({ authorization: `bEaReR ${ALICE_TOKEN}` })?.token).toBe(ALICE_TOKEN);
  });

  it('takes X-Api-Key when there is no bearer token', () => {
    const credential = extractCredential({ 'x-api-key': BOB_API_KEY });
    expect(credential?.kind).toBe('api_key');
    expect(credential?.token).toBe(BOB_API_KEY);
  });

  it('prefers the bearer token when both are sent', () => {
    expect(extractCredential({ authorization: `Bearer ${ALICE_TOKEN}`, 'x-api-key': BOB_API_KEY })?.token).toBe(
      ALICE_TOKEN,
    );
  });

  it('falls back to X-Api-Key when Authorization is another scheme', () => {
    expect(extractCredential({ authorization: 'Basic dXNlcjpwYXNz', 'x-api-key': BOB_API_KEY })?.kind).toBe('api_key');
  });

  it.each([
    [{}],
    [{ authorization: 'Bearer' }],
    [{ authorization: 'Bearer   ' }],
    [{ authorization: 'Basic dXNlcjpwYXNz' }],
    [{ 'x-api-key': '   ' }],
  ])('finds no credential in %j', (headers) => {
    expect(extractCredential(headers)).toBeUndefined();
  });
});

describe('credential fingerprint', () => {
  it('is key- and the first 16 hex characters of sha256(token)', () => {
    const expected = 'key-' + createHash('sha256').update(ALICE_TOKEN).digest('hex').slice(0, 16);
    expect(fingerprintToken(ALICE_TOKEN)).toBe(expected);
    expect(new Credential('bearer', ALICE_TOKEN).fingerprint).toBe(expected);
  });

  it('never shows the token when a Credential is logged or serialised', () => {
    const credential = new Credential('bearer', ALICE_TOKEN);
    for (const shown of [
      JSON.stringify(credential),
      String(credential),
      inspect(credential),
      // eslint-disable-next-line @typescript-eslint/restrict-template-expressions -- interpolation is one of the ways a token could leak
      `${credential}`,
    ]) {
      expect(shown).not.toContain(ALICE_TOKEN);
      expect(shown).toContain(credential.fingerprint);
    }
  });
});
