import { describe, expect, it } from 'vitest';
import { createPolicy, fingerprintToken, resolveInitiator } from 'aibridge-initiator-otel';
import { isCanonicalUuidV4 } from '../../src/resolution/owner-header';
import { CLAUDE_CODE_UA, CODER_AGENTS_UA, OWNER_A, SERVICE_TOKEN, SOMEONE_ELSE_TOKEN } from '../support/fixtures';

const SERVICE_ID = fingerprintToken(SERVICE_TOKEN);

function coderAgents(owner: string | string[]) {
  return { 'user-agent': CODER_AGENTS_UA, authorization: `Bearer ${SERVICE_TOKEN}`, 'x-coder-owner-id': owner };
}

describe('owner header: invalid_format', () => {
  it.each([
    ['UUID v1', 'c232ab00-9414-11ec-b3c8-9f6bdeced846'],
    ['UUID v7', '01890a5d-ac96-774b-bcce-b302099a8057'],
    ['UUID v3', 'a3bb189e-8bf9-3888-9912-ace4e6543002'],
    ['the nil UUID', '00000000-0000-0000-0000-000000000000'],
    ['the max UUID', 'ffffffff-ffff-ffff-ffff-ffffffffffff'],
    ['a v4 with the wrong variant', '3f2504e0-4f89-41d3-Ca0c-0305e82c3301'],
    ['braces', `{${OWNER_A}}`],
    ['a urn prefix', `urn:uuid:${OWNER_A}`],
    ['surrounding spaces', ` ${OWNER_A} `],
    ['no dashes', OWNER_A.replaceAll('-', '')],
    ['garbage', 'not-a-uuid'],
    ['an empty value', ''],
    ['a script payload', '<script>alert(1)</script>'],
    ['a script payload with a comma', '<script>alert(1,2)</script>'],
    ['two UUIDs in one value', `${OWNER_A}, ${OWNER_A}`],
    ['an SQL payload', "' OR 1=1 --"],
    ['a trailing newline', `${OWNER_A}\n`],
    ['a fullwidth digit', OWNER_A.replace('3', '３')],
  ])('rejects %s', async (_, value) => {
    const resolution = await resolveInitiator(coderAgents(value));
    expect(resolution.rejection).toEqual({ reason: 'invalid_format', valueLength: value.length });
    expect(resolution.override).toBe(false);
    expect(resolution.initiator).toBe(SERVICE_ID);
    expect(resolution.source).toBe('credential');
  });
});

describe('owner header: format accepted', () => {
  it('accepts uppercase v4 and normalises it to lowercase', async () => {
    const resolution = await resolveInitiator(coderAgents(OWNER_A.toUpperCase()));
    expect(resolution.override).toBe(true);
    expect(resolution.initiator).toBe(OWNER_A);
  });

  it.each(['8', '9', 'a', 'b'])('accepts variant nibble %s', (variant) => {
    expect(isCanonicalUuidV4(`3f2504e0-4f89-41d3-${variant}a0c-0305e82c3301`)).toBe(true);
  });
});

describe('owner header: multiple_values', () => {
  it('rejects a header given as an array of values, measuring them as Node joins them', async () => {
    expect((await resolveInitiator(coderAgents([OWNER_A, OWNER_A]))).rejection).toEqual({
      reason: 'multiple_values',
      valueLength: 2 * 36 + 2,
    });
  });

  it('checks for repeats before the format', async () => {
    expect((await resolveInitiator(coderAgents(['garbage', 'more garbage']))).rejection?.reason).toBe(
      'multiple_values',
    );
  });

  it('accepts an array holding one value', async () => {
    expect((await resolveInitiator(coderAgents([OWNER_A]))).override).toBe(true);
  });
});

describe('owner header: client_not_allowed', () => {
  it('rejects a valid owner header from another client', async () => {
    const resolution = await resolveInitiator({
      'user-agent': CLAUDE_CODE_UA,
      authorization: `Bearer ${SERVICE_TOKEN}`,
      'x-coder-owner-id': OWNER_A,
    });
    expect(resolution.rejection?.reason).toBe('client_not_allowed');
    expect(resolution.initiator).toBe(SERVICE_ID);
    expect(resolution.client).toBe('Claude Code');
  });

  it('checks the client before the format', async () => {
    const resolution = await resolveInitiator({ 'user-agent': 'curl/8', 'x-coder-owner-id': 'garbage' });
    expect(resolution.rejection?.reason).toBe('client_not_allowed');
  });

  it('honours configured User-Agent prefixes, case-insensitively', async () => {
    const policy = createPolicy({ ownerUserAgentPrefixes: ['My-Agent/'] });
    expect(
      (await resolveInitiator({ 'user-agent': 'my-agent/1.0', 'x-coder-owner-id': OWNER_A }, policy)).override,
    ).toBe(true);
    expect((await resolveInitiator(coderAgents(OWNER_A), policy)).rejection?.reason).toBe('client_not_allowed');
  });
});

describe('owner header: credential_not_trusted', () => {
  const policy = createPolicy({ trustedInitiators: [SERVICE_ID] });

  it('applies the owner for a trusted credential', async () => {
    expect((await resolveInitiator(coderAgents(OWNER_A), policy)).override).toBe(true);
  });

  it('rejects it for any other credential', async () => {
    const headers = { ...coderAgents(OWNER_A), authorization: `Bearer ${SOMEONE_ELSE_TOKEN}` };
    const resolution = await resolveInitiator(headers, policy);
    expect(resolution.rejection?.reason).toBe('credential_not_trusted');
    expect(resolution.initiator).toBe(fingerprintToken(SOMEONE_ELSE_TOKEN));
  });

  it('rejects it when there is no credential at all', async () => {
    const { authorization: _, ...headers } = coderAgents(OWNER_A);
    const resolution = await resolveInitiator(headers, policy);
    expect(resolution.rejection?.reason).toBe('credential_not_trusted');
    expect(resolution.source).toBe('none');
    expect(resolution.initiator).toBeUndefined();
  });

  it('checks the format before the trust', async () => {
    expect(
      (await resolveInitiator({ ...coderAgents('nope'), authorization: 'Bearer x' }, policy)).rejection?.reason,
    ).toBe('invalid_format');
  });
});

describe('owner header name', () => {
  it('is configurable and matched case-insensitively', async () => {
    const policy = createPolicy({ ownerHeader: 'X-Agent-Owner' });
    const headers = { 'user-agent': CODER_AGENTS_UA, 'X-AGENT-OWNER': OWNER_A };
    expect((await resolveInitiator(headers, policy)).initiator).toBe(OWNER_A);
    expect((await resolveInitiator(coderAgents(OWNER_A), policy)).override).toBe(false);
  });
});
