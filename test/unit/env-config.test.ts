import { describe, expect, it } from 'vitest';
import { createPolicy } from 'aibridge-initiator-otel';
import { alwaysSampleFromEnv, optionsFromEnv, policyFromEnv, propagateTraceContextFromEnv } from '../../src/config/env';

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

  it('reads client rules and session headers', () => {
    expect(
      optionsFromEnv({
        AIBRIDGE_CLIENT_RULES: 'Acme Agent=acme-agent/, Internal Bot = originator: internal-bot',
        AIBRIDGE_SESSION_HEADERS: 'Acme Agent=X-Acme-Session,Codex=x-codex-next, Acme Agent=x-acme-task',
      }),
    ).toEqual({
      clientRules: [
        { client: 'Acme Agent', userAgentPrefix: 'acme-agent/' },
        { client: 'Internal Bot', originator: 'internal-bot' },
      ],
      sessionHeaders: { 'Acme Agent': ['X-Acme-Session', 'x-acme-task'], Codex: ['x-codex-next'] },
    });
  });

  it('detects the clients the variables add, and reads their sessions', () => {
    const policy = policyFromEnv({
      AIBRIDGE_CLIENT_RULES: 'Acme Agent=Acme-Agent/',
      AIBRIDGE_SESSION_HEADERS: 'Acme Agent=X-Acme-Session',
    });
    expect(policy.clients.rules[0]).toEqual({ client: 'Acme Agent', userAgentPrefix: 'acme-agent/' });
    expect(policy.clients.sessionHeaders.get('Acme Agent')).toEqual(['x-acme-session']);
  });

  it('treats an empty variable as unset, as OTel does', () => {
    expect(optionsFromEnv({ AIBRIDGE_OWNER_TRUSTED_INITIATORS: '', AIBRIDGE_OWNER_HEADER: '  ' })).toEqual({});
  });

  it.each([
    [{ AIBRIDGE_OWNER_HEADER: 'X Owner' }, /^AIBRIDGE_OWNER_HEADER: "X Owner" is not a valid HTTP header name$/],
    [{ AIBRIDGE_OWNER_TRUSTED_INITIATORS: 'a,,b' }, /^AIBRIDGE_OWNER_TRUSTED_INITIATORS: entry 2 \(""\) is empty/],
    [{ AIBRIDGE_OWNER_USER_AGENT_PREFIXES: 'coder-agents/,' }, /^AIBRIDGE_OWNER_USER_AGENT_PREFIXES: entry 2/],
    [
      { AIBRIDGE_INTERCEPTION_ROUTES: '/v1/models' },
      /^AIBRIDGE_INTERCEPTION_ROUTES: route "\/v1\/models" does not end in/,
    ],
    [
      { AIBRIDGE_INITIATOR_HEADER: 'X Auth User' },
      /^AIBRIDGE_INITIATOR_HEADER: "X Auth User" is not a valid HTTP header name$/,
    ],
    [
      { AIBRIDGE_CREDENTIALS_FILE: '/nonexistent/credentials.json' },
      /^AIBRIDGE_CREDENTIALS_FILE: \/nonexistent\/credentials.json: cannot be read \(ENOENT\)$/,
    ],
    [{ AIBRIDGE_JWT_SECRET: 's3cret' }, /^AIBRIDGE_JWT_SECRET: must be at least 32 characters$/],
    [
      { AIBRIDGE_JWT_SECRET: 'x'.repeat(32), AIBRIDGE_JWT_JWKS_URL: 'https://idp.example/jwks' },
      /^AIBRIDGE_JWT_SECRET: conflicts with AIBRIDGE_JWT_JWKS_URL/,
    ],
    [{ AIBRIDGE_JWT_ISSUER: 'https://idp.example' }, /^AIBRIDGE_JWT_ISSUER: is set, but no key to verify tokens with/],
    [{ AIBRIDGE_JWT_JWKS_URL: 'http://idp.example/jwks' }, /^AIBRIDGE_JWT_JWKS_URL: must be https/],
    [
      { AIBRIDGE_JWT_PUBLIC_KEY_FILE: '/nonexistent/key.pem' },
      /^AIBRIDGE_JWT_PUBLIC_KEY_FILE: \/nonexistent\/key.pem: cannot be read \(ENOENT\)$/,
    ],
    [
      { AIBRIDGE_RESOLVER_MODULE: './no-such-module.js' },
      /^AIBRIDGE_RESOLVER_MODULE: .\/no-such-module.js: cannot be loaded \(MODULE_NOT_FOUND\)$/,
    ],
    [{ AIBRIDGE_RESOLVER_TIMEOUT_MS: 'soon' }, /^AIBRIDGE_RESOLVER_TIMEOUT_MS: must be a whole number, got "soon"$/],
    [
      { AIBRIDGE_RESOLVER_TIMEOUT_MS: '0' },
      /^AIBRIDGE_RESOLVER_TIMEOUT_MS: must be a whole number of milliseconds from 1 to 60000/,
    ],
    [
      { AIBRIDGE_CLIENT_RULES: 'acme-agent/' },
      /^AIBRIDGE_CLIENT_RULES: entry 1 \("acme-agent\/"\) must be <client>=<User-Agent prefix> or <client>=originator:<value>$/,
    ],
    [{ AIBRIDGE_CLIENT_RULES: 'Acme=' }, /^AIBRIDGE_CLIENT_RULES: entry 1 \("Acme="\) must be/],
    [{ AIBRIDGE_CLIENT_RULES: 'Unknown=acme/' }, /^AIBRIDGE_CLIENT_RULES: rule 1 cannot name a client "Unknown"$/],
    [{ AIBRIDGE_CLIENT_RULES: '_OTHER=acme/' }, /^AIBRIDGE_CLIENT_RULES: rule 1 cannot name a client "_OTHER"$/],
    [
      { AIBRIDGE_CLIENT_RULES: `${'a'.repeat(65)}=acme/` },
      /^AIBRIDGE_CLIENT_RULES: rule 1 needs a client name of 1 to 64/,
    ],
    [
      { AIBRIDGE_CLIENT_RULES: 'A=acme/, B=ACME/' },
      /^AIBRIDGE_CLIENT_RULES: rule 2 \("B"\) repeats the user-agent "acme\/"$/,
    ],
    [
      { AIBRIDGE_CLIENT_RULES: 'A=originator:' },
      /^AIBRIDGE_CLIENT_RULES: rule 1 \("A"\) needs a User-Agent prefix or originator of 1 to 128/,
    ],
    [
      { AIBRIDGE_CLIENT_RULES: Array.from({ length: 33 }, (_, i) => `C${i}=c${i}/`).join(',') },
      /^AIBRIDGE_CLIENT_RULES: has 33 rules, at most 32$/,
    ],
    [
      { AIBRIDGE_SESSION_HEADERS: 'Acme Agent=x-acme-session' },
      /^AIBRIDGE_SESSION_HEADERS: "Acme Agent" is neither a built-in client nor one a client rule names$/,
    ],
    [
      { AIBRIDGE_SESSION_HEADERS: 'Codex=x session' },
      /^AIBRIDGE_SESSION_HEADERS: "x session" is not a valid HTTP header name$/,
    ],
    [{ AIBRIDGE_SESSION_HEADERS: 'Codex=a,Codex=A' }, /^AIBRIDGE_SESSION_HEADERS: "Codex" repeats a header$/],
    [
      { AIBRIDGE_SESSION_HEADERS: 'Codex=a,Codex=b,Codex=c,Codex=d,Codex=e' },
      /^AIBRIDGE_SESSION_HEADERS: "Codex" needs 1 to 4 header names$/,
    ],
    [{ AIBRIDGE_SESSION_HEADERS: 'constructor=x-a' }, /^AIBRIDGE_SESSION_HEADERS: "constructor" is neither/],
  ])('refuses %j naming the variable', (env, message) => {
    expect(() => policyFromEnv(env)).toThrow(message);
  });

  it('never echoes the value of a secret it refuses', () => {
    expect(() => policyFromEnv({ AIBRIDGE_JWT_SECRET: 's3cret-value' })).toThrow(/AIBRIDGE_JWT_SECRET/);
    expect(() => policyFromEnv({ AIBRIDGE_JWT_SECRET: 's3cret-value' })).not.toThrow(/s3cret-value/);
  });

  it('names options, not variables, when options are given in code', () => {
    expect(() => createPolicy({ trustedInitiators: [' padded'] })).toThrow(/^trustedInitiators: entry 1/);
  });

  it('refuses a client rule given in code with an unknown key or two ways to match', () => {
    const misspelt = [{ client: 'Acme', userAgent: 'acme/' }] as never;
    expect(() => createPolicy({ clientRules: misspelt })).toThrow(/^clientRules: rule 1 has unknown key "userAgent"$/);
    const both = [{ client: 'Acme', userAgentPrefix: 'acme/', originator: 'acme' }] as never;
    expect(() => createPolicy({ clientRules: both })).toThrow(
      /^clientRules: rule 1 \("Acme"\) needs exactly one of a User-Agent prefix and an originator$/,
    );
  });

  it('trace context leaves for providers only when AIBRIDGE_PROPAGATE_TRACE_CONTEXT is true', () => {
    expect(propagateTraceContextFromEnv({})).toBe(false);
    expect(propagateTraceContextFromEnv({ AIBRIDGE_PROPAGATE_TRACE_CONTEXT: 'false' })).toBe(false);
    expect(propagateTraceContextFromEnv({ AIBRIDGE_PROPAGATE_TRACE_CONTEXT: 'TRUE' })).toBe(true);
    expect(() => propagateTraceContextFromEnv({ AIBRIDGE_PROPAGATE_TRACE_CONTEXT: 'yes' })).toThrow(
      /^AIBRIDGE_PROPAGATE_TRACE_CONTEXT: must be true or false, got "yes"$/,
    );
  });

  it('AIBRIDGE_ALWAYS_SAMPLE is rejections by default, owner_header or none when set, and refuses anything else', () => {
    expect(alwaysSampleFromEnv({})).toBe('rejections');
    expect(alwaysSampleFromEnv({ AIBRIDGE_ALWAYS_SAMPLE: ' ' })).toBe('rejections');
    expect(alwaysSampleFromEnv({ AIBRIDGE_ALWAYS_SAMPLE: 'OWNER_HEADER' })).toBe('owner_header');
    expect(alwaysSampleFromEnv({ AIBRIDGE_ALWAYS_SAMPLE: 'none' })).toBe('none');
    expect(() => alwaysSampleFromEnv({ AIBRIDGE_ALWAYS_SAMPLE: 'always' })).toThrow(
      /^AIBRIDGE_ALWAYS_SAMPLE: must be rejections, owner_header or none, got "always"$/,
    );
  });
});
