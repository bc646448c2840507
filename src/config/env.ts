import type { InitiatorPolicy } from '../resolution/policy';
import type { AlwaysSample, ClientRule, InitiatorOptions, JwtOptions } from '../types';
import { ConfigError } from '../config-error';
import { createPolicy, type Report, type SettingLabels } from './create-policy';

/** The plugin's environment variables, by the option each sets. */
export const ENV_VARIABLES: SettingLabels = {
  ownerHeader: 'AIBRIDGE_OWNER_HEADER',
  ownerUserAgentPrefixes: 'AIBRIDGE_OWNER_USER_AGENT_PREFIXES',
  trustedInitiators: 'AIBRIDGE_OWNER_TRUSTED_INITIATORS',
  interceptionRoutes: 'AIBRIDGE_INTERCEPTION_ROUTES',
  resolverTimeoutMs: 'AIBRIDGE_RESOLVER_TIMEOUT_MS',
  clientRules: 'AIBRIDGE_CLIENT_RULES',
  sessionHeaders: 'AIBRIDGE_SESSION_HEADERS',
  initiatorHeader: 'AIBRIDGE_INITIATOR_HEADER',
  credentialsFile: 'AIBRIDGE_CREDENTIALS_FILE',
  jwt: {
    jwksUrl: 'AIBRIDGE_JWT_JWKS_URL',
    publicKeyFile: 'AIBRIDGE_JWT_PUBLIC_KEY_FILE',
    secret: 'AIBRIDGE_JWT_SECRET',
    issuer: 'AIBRIDGE_JWT_ISSUER',
    audience: 'AIBRIDGE_JWT_AUDIENCE',
    claim: 'AIBRIDGE_JWT_CLAIM',
  },
  resolverModule: 'AIBRIDGE_RESOLVER_MODULE',
};

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads the plugin's variables into options. As with OTel's own variables, an empty value means
 * unset. Lists are comma-separated; entries are trimmed and must not be empty.
 */
export function optionsFromEnv(env: Env): InitiatorOptions {
  const v = ENV_VARIABLES;
  const jwt: JwtOptions = {
    ...defined('jwksUrl', valueOf(env, v.jwt.jwksUrl)),
    ...defined('publicKeyFile', valueOf(env, v.jwt.publicKeyFile)),
    // A secret is taken as given: spaces may be part of it.
    ...defined('secret', env[v.jwt.secret] === '' ? undefined : env[v.jwt.secret]),
    ...defined('issuer', valueOf(env, v.jwt.issuer)),
    ...defined('audience', valueOf(env, v.jwt.audience)),
    ...defined('claim', valueOf(env, v.jwt.claim)),
  };
  return {
    ...defined('ownerHeader', valueOf(env, v.ownerHeader)),
    ...defined('ownerUserAgentPrefixes', listOf(env, v.ownerUserAgentPrefixes)),
    ...defined('trustedInitiators', listOf(env, v.trustedInitiators)),
    ...defined('interceptionRoutes', listOf(env, v.interceptionRoutes)),
    ...defined('resolverTimeoutMs', numberOf(env, v.resolverTimeoutMs)),
    ...defined('clientRules', clientRulesOf(env, v.clientRules)),
    ...defined('sessionHeaders', sessionHeadersOf(env, v.sessionHeaders)),
    ...defined('initiatorHeader', valueOf(env, v.initiatorHeader)),
    ...defined('credentialsFile', valueOf(env, v.credentialsFile)),
    ...(Object.keys(jwt).length > 0 && { jwt }),
    ...defined('resolverModule', valueOf(env, v.resolverModule)),
  };
}

/**
 * Reads the variables and builds the policy from them: what the preload does at start. Throws
 * `ConfigError` naming the variable at fault.
 */
export function policyFromEnv(env: Env, report?: Report): InitiatorPolicy {
  return createPolicy(optionsFromEnv(env), ENV_VARIABLES, report);
}

export const PROPAGATE_TRACE_CONTEXT_VARIABLE = 'AIBRIDGE_PROPAGATE_TRACE_CONTEXT';

export const ALWAYS_SAMPLE_VARIABLE = 'AIBRIDGE_ALWAYS_SAMPLE';
const ALWAYS_SAMPLE_VALUES: readonly AlwaysSample[] = ['rejections', 'owner_header', 'none'];

/** `AIBRIDGE_ALWAYS_SAMPLE`: `rejections` (the default), `owner_header` or `none`; anything else is refused. */
export function alwaysSampleFromEnv(env: Env): AlwaysSample {
  const value = valueOf(env, ALWAYS_SAMPLE_VARIABLE)?.toLowerCase();
  if (value === undefined) return 'rejections';
  const known = ALWAYS_SAMPLE_VALUES.find((candidate) => candidate === value);
  if (known === undefined)
    throw new ConfigError(ALWAYS_SAMPLE_VARIABLE, `must be rejections, owner_header or none, got "${value}"`);
  return known;
}

/** `AIBRIDGE_PROPAGATE_TRACE_CONTEXT`: `true` or `false` (the default); anything else is refused. */
export function propagateTraceContextFromEnv(env: Env): boolean {
  const value = valueOf(env, PROPAGATE_TRACE_CONTEXT_VARIABLE)?.toLowerCase();
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw new ConfigError(PROPAGATE_TRACE_CONTEXT_VARIABLE, `must be true or false, got "${value}"`);
}

function defined<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function valueOf(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function listOf(env: Env, name: string): string[] | undefined {
  return valueOf(env, name)
    ?.split(',')
    .map((entry) => entry.trim());
}

const ORIGINATOR = 'originator:';

/** `<client>=<User-Agent prefix>` or `<client>=originator:<value>`, comma-separated. */
function clientRulesOf(env: Env, name: string): ClientRule[] | undefined {
  return pairsOf(env, name, '<client>=<User-Agent prefix> or <client>=originator:<value>')?.map(([client, match]) =>
    match.toLowerCase().startsWith(ORIGINATOR)
      ? { client, originator: match.slice(ORIGINATOR.length).trim() }
      : { client, userAgentPrefix: match },
  );
}

/** `<client>=<header>`, comma-separated; a client named again gets its next header. */
function sessionHeadersOf(env: Env, name: string): Record<string, string[]> | undefined {
  const pairs = pairsOf(env, name, '<client>=<header name>');
  if (pairs === undefined) return undefined;
  const byClient: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  for (const [client, header] of pairs) (byClient[client] ??= []).push(header);
  return byClient;
}

/** A list of `<key>=<value>` entries, split at the first `=`, both sides trimmed and not empty. */
function pairsOf(env: Env, name: string, form: string): [string, string][] | undefined {
  return listOf(env, name)?.map((entry, index) => {
    const at = entry.indexOf('=');
    const key = entry.slice(0, at).trim();
    const value = entry.slice(at + 1).trim();
    if (at < 0 || key === '' || value === '') {
      throw new ConfigError(name, `entry ${index + 1} ("${entry}") must be ${form}`);
    }
    return [key, value];
  });
}

function numberOf(env: Env, name: string): number | undefined {
  const value = valueOf(env, name);
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new ConfigError(name, `must be a whole number, got "${value}"`);
  return Number(value);
}
