import { ConfigError, createPolicy, type InitiatorOptions, type SettingLabels } from '../resolution/policy';

/** The plugin's environment variables, by the option each sets. */
export const ENV_VARIABLES: SettingLabels = {
  ownerHeader: 'AIBRIDGE_OWNER_HEADER',
  ownerUserAgentPrefixes: 'AIBRIDGE_OWNER_USER_AGENT_PREFIXES',
  trustedInitiators: 'AIBRIDGE_OWNER_TRUSTED_INITIATORS',
  interceptionRoutes: 'AIBRIDGE_INTERCEPTION_ROUTES',
};

// Identity sources this version cannot honour yet. Ignoring them would silently fail open (an
// operator who set a credentials file expects its delegation rules to hold), so they stop the start.
const NOT_YET_SUPPORTED: readonly string[] = [
  'AIBRIDGE_CREDENTIALS_FILE',
  'AIBRIDGE_INITIATOR_HEADER',
  'AIBRIDGE_JWT_JWKS_URL',
  'AIBRIDGE_JWT_PUBLIC_KEY_FILE',
  'AIBRIDGE_JWT_SECRET',
  'AIBRIDGE_JWT_ISSUER',
  'AIBRIDGE_JWT_AUDIENCE',
  'AIBRIDGE_JWT_CLAIM',
  'AIBRIDGE_RESOLVER_MODULE',
];

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads the plugin's variables into options. As with OTel's own variables, an empty value means
 * unset. Lists are comma-separated; entries are trimmed and must not be empty.
 * Throws `ConfigError` naming the variable at fault.
 */
export function optionsFromEnv(env: Env): InitiatorOptions {
  for (const name of NOT_YET_SUPPORTED) {
    if (valueOf(env, name) !== undefined) {
      throw new ConfigError(name, 'is not supported by this version of aibridge-initiator-otel; unset it');
    }
  }
  const ownerHeader = valueOf(env, ENV_VARIABLES.ownerHeader);
  const ownerUserAgentPrefixes = listOf(env, ENV_VARIABLES.ownerUserAgentPrefixes);
  const trustedInitiators = listOf(env, ENV_VARIABLES.trustedInitiators);
  const interceptionRoutes = listOf(env, ENV_VARIABLES.interceptionRoutes);
  const options: InitiatorOptions = {
    ...(ownerHeader !== undefined && { ownerHeader }),
    ...(ownerUserAgentPrefixes !== undefined && { ownerUserAgentPrefixes }),
    ...(trustedInitiators !== undefined && { trustedInitiators }),
    ...(interceptionRoutes !== undefined && { interceptionRoutes }),
  };
  createPolicy(options, ENV_VARIABLES);
  return options;
}

function valueOf(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function listOf(env: Env, name: string): string[] | undefined {
  return valueOf(env, name)?.split(',').map((entry) => entry.trim());
}
