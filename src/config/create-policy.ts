import { credentialsFileResolver } from '../identity/credentials-file';
import { customResolver, loadResolverModule } from '../identity/custom-resolver';
import { initiatorHeaderResolver } from '../identity/initiator-header';
import { jwtResolver, type JwtLabels } from '../identity/jwt';
import type { InitiatorPolicy } from '../resolution/policy';
import { closeResolvers, type Resolver } from '../resolution/resolver-types';
import type { InitiatorOptions } from '../types';
import { checkHeaderName } from './checks';
import { compilePolicy, DEFAULT_RESOLVER_TIMEOUT_MS, type RuleLabels } from './compile-policy';

/** The names used in error messages for each setting, so callers can speak of their own settings. */
export interface SettingLabels extends RuleLabels {
  readonly initiatorHeader: string;
  readonly credentialsFile: string;
  readonly jwt: JwtLabels;
  readonly resolverModule: string;
}

/** Errors name the options as they are written in code. */
export const OPTION_LABELS: SettingLabels = {
  ownerHeader: 'ownerHeader',
  ownerUserAgentPrefixes: 'ownerUserAgentPrefixes',
  trustedInitiators: 'trustedInitiators',
  interceptionRoutes: 'interceptionRoutes',
  resolverTimeoutMs: 'resolverTimeoutMs',
  clientRules: 'clientRules',
  sessionHeaders: 'sessionHeaders',
  initiatorHeader: 'initiatorHeader',
  credentialsFile: 'credentialsFile',
  jwt: {
    jwksUrl: 'jwt.jwksUrl',
    publicKeyFile: 'jwt.publicKeyFile',
    secret: 'jwt.secret',
    issuer: 'jwt.issuer',
    audience: 'jwt.audience',
    claim: 'jwt.claim',
  },
  resolverModule: 'resolverModule',
};

/** Where the policy reports what happens after start (credentials file reloads). */
export type Report = (level: 'info' | 'warn', message: string) => void;

const noReport: Report = () => {};

/**
 * Validates every option, loads what they name (credentials file, JWT key, resolver module) and
 * compiles the policy, to share between `InitiatorInstrumentation` and `resolveInitiator`. Throws
 * `ConfigError` naming the setting at fault, never its secret value.
 *
 * @example
 * const policy = createPolicy({ credentialsFile: '/etc/aibridge/credentials.json' });
 */
export function createPolicy(
  options: InitiatorOptions = {},
  labels: SettingLabels = OPTION_LABELS,
  report: Report = noReport,
): InitiatorPolicy {
  const resolvers: Resolver[] = [];
  const timeout = options.resolverTimeoutMs ?? DEFAULT_RESOLVER_TIMEOUT_MS;
  try {
    if (options.initiatorHeader !== undefined) {
      resolvers.push(initiatorHeaderResolver(checkHeaderName(labels.initiatorHeader, options.initiatorHeader)));
    }
    if (options.credentialsFile !== undefined) {
      const path = options.credentialsFile;
      resolvers.push(
        credentialsFileResolver(path, labels.credentialsFile, {
          onReload: (count) => report('info', `${labels.credentialsFile}: reloaded ${path}, ${count} credentials`),
          onRejectedReload: (problem, kept) =>
            report(
              'warn',
              `${labels.credentialsFile}: the new version cannot be used, keeping the previous one (${kept} credentials) until a version loads: ${problem}`,
            ),
        }),
      );
    }
    if (options.jwt !== undefined) resolvers.push(jwtResolver(options.jwt, labels.jwt));
    if (options.resolverModule !== undefined) {
      resolvers.push(
        customResolver(loadResolverModule(options.resolverModule, labels.resolverModule), timeout, 'module'),
      );
    }
    for (const resolver of options.credentialResolvers ?? []) resolvers.push(customResolver(resolver, timeout));
    return compilePolicy(options, resolvers, labels);
  } catch (error) {
    closeResolvers(resolvers);
    throw error;
  }
}
