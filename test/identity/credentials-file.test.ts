import { describe, expect, it } from 'vitest';
import { parseCredentialsFile } from '../../src/identity/credentials-file';
import { SERVICE_TOKEN } from '../support/fixtures';

const HASH = 'a'.repeat(64);
const LABEL = 'AIBRIDGE_CREDENTIALS_FILE';

describe('credentials file schema', () => {
  it('accepts entries with and without delegate', () => {
    const entries = parseCredentialsFile(
      JSON.stringify({
        credentials: [
          { sha256: HASH, initiator: 'svc', delegate: true },
          { sha256: 'b'.repeat(64), initiator: 'alice' },
        ],
      }),
      'c.json',
      LABEL,
    );
    expect([...entries]).toEqual([
      [HASH, { initiator: 'svc', delegate: true }],
      ['b'.repeat(64), { initiator: 'alice', delegate: false }],
    ]);
  });

  it.each([
    [{ credentials: {} }, 'c.json: credentials: must be an array'],
    [[], 'c.json: top level: must be an object with a "credentials" array'],
    [{ credentials: [], extra: 1 }, 'c.json: top level: unknown key "extra" (allowed: credentials)'],
    [
      { credentials: [{ sha256: HASH.toUpperCase(), initiator: 'x' }] },
      'c.json: credentials[0].sha256: must be 64 lowercase hex characters',
    ],
    [
      { credentials: [{ sha256: HASH, initiator: ' padded' }] },
      'c.json: credentials[0].initiator: must be a printable string',
    ],
    [
      { credentials: [{ sha256: HASH, initiator: 'x', delegate: 'yes' }] },
      'c.json: credentials[0].delegate: must be true or false',
    ],
    [
      { credentials: [{ sha256: HASH, initiator: 'x', delgate: true }] },
      'c.json: credentials[0]: unknown key "delgate" (allowed: sha256, initiator, delegate)',
    ],
    [
      {
        credentials: [
          { sha256: HASH, initiator: 'x' },
          { sha256: HASH, initiator: 'y' },
        ],
      },
      'c.json: credentials[1].sha256: appears more than once',
    ],
  ])('refuses %j, naming the file, the entry and the problem', (document, message) => {
    expect(() => parseCredentialsFile(JSON.stringify(document), 'c.json', LABEL)).toThrow(`${LABEL}: ${message}`);
  });

  it('never repeats a token written where a key or a hash belongs', () => {
    const misplaced = [
      JSON.stringify({ credentials: [{ [SERVICE_TOKEN]: 'alice' }] }),
      JSON.stringify({ [SERVICE_TOKEN]: 'alice' }),
      JSON.stringify({ credentials: [{ sha256: SERVICE_TOKEN, initiator: 'alice' }] }),
      `{ "credentials": [ { "sha256": ${SERVICE_TOKEN} } ] }`,
      `{ "credentials": [ "${SERVICE_TOKEN}`,
    ];
    for (const text of misplaced) {
      let message = '';
      try {
        parseCredentialsFile(text, 'c.json', LABEL);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/^AIBRIDGE_CREDENTIALS_FILE: c\.json: /);
      expect(message).not.toContain(SERVICE_TOKEN.slice(0, 8));
    }
  });
});
