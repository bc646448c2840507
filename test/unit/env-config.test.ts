import { describe, expect, it } from 'vitest';
import { createPolicy, optionsFromEnv } from 'aibridge-initiator-otel';

describe('plugin variables', () => {
  it('no variables give the defaults', () => {
    expect(optionsFromEnv({})).toEqual({});
  });

  it('reads every variable, trimming list entries', () => {
    expect(
      optionsFromEnv({
        AIBRIDGE_OWNER_HEADER: 'X-Owner',
        AIBRIDGE_OWNER_USER_AGENT_PREFIXES: 'coder-agents/, my-agent/',
        AIBRIDGE_OWNER_TRUSTED_INITIATORS: 'key-0123456789abcdef,svc-agents',
        AIBRIDGE_INTERCEPTION_ROUTES: '/v1/messages, /llm=openai',
      }),
    ).toEqual({
      ownerHeader: 'X-Owner',
      ownerUserAgentPrefixes: ['coder-agents/', 'my-agent/'],
      trustedInitiators: ['key-0123456789abcdef', 'svc-agents'],
      interceptionRoutes: ['/v1/messages', '/llm=openai'],
    });
  });

  it('treats an empty variable as unset, as OTel does', () => {
    expect(optionsFromEnv({ AIBRIDGE_OWNER_TRUSTED_INITIATORS: '', AIBRIDGE_OWNER_HEADER: '  ' })).toEqual({});
  });

  it.each([
    [{ AIBRIDGE_OWNER_HEADER: 'X Owner' }, /^AIBRIDGE_OWNER_HEADER: "X Owner" is not a valid HTTP header name$/],
    [{ AIBRIDGE_OWNER_TRUSTED_INITIATORS: 'a,,b' }, /^AIBRIDGE_OWNER_TRUSTED_INITIATORS: entry 2 \(""\) is empty/],
    [{ AIBRIDGE_OWNER_USER_AGENT_PREFIXES: 'coder-agents/,' }, /^AIBRIDGE_OWNER_USER_AGENT_PREFIXES: entry 2/],
    [{ AIBRIDGE_INTERCEPTION_ROUTES: '/v1/models' }, /^AIBRIDGE_INTERCEPTION_ROUTES: route "\/v1\/models" does not end in/],
    [{ AIBRIDGE_CREDENTIALS_FILE: '/etc/creds.json' }, /^AIBRIDGE_CREDENTIALS_FILE: is not supported by this version/],
    [{ AIBRIDGE_JWT_SECRET: 's3cret' }, /^AIBRIDGE_JWT_SECRET: is not supported by this version/],
  ])('refuses %j naming the variable', (env, message) => {
    expect(() => optionsFromEnv(env)).toThrow(message);
  });

  it('never echoes the value of a secret-bearing variable it refuses', () => {
    expect(() => optionsFromEnv({ AIBRIDGE_JWT_SECRET: 's3cret-value' })).toThrow(expect.objectContaining({ message: expect.not.stringContaining('s3cret-value') }));
  });

  it('names options, not variables, when options are given in code', () => {
    expect(() => createPolicy({ trustedInitiators: [' padded'] })).toThrow(/^trustedInitiators: entry 1/);
  });
});
