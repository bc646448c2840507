import { credentialsFileResolver, CredentialsFileError } from '../identity/credentials-file';
import { customResolver, loadResolverModule, ResolverModuleError, type CredentialResolver } from '../identity/custom-resolver';
import { initiatorHeaderResolver } from '../identity/initiator-header';
import { JwtConfigError, jwtResolver, type JwtOptions } from '../identity/jwt';
import { checkHeaderName, compilePolicy, ConfigError, DEFAULT_RESOLVER_TIMEOUT_MS, type InitiatorPolicy, type RuleLabels, type RuleOptions } from '../resolution/policy';
import type { Resolver } from '../resolution/resolver-types';

/**
 * Who is behind a credential. Resolvers are tried in this order, the first that knows the request
 * wins, and the credential's fingerprint is the fallback.
 */
export interface IdentityOptions {
  /**
   * A header set by a trusted auth proxy in front of the gateway, naming the authenticated
   * initiator. Only safe if that proxy removes the header from what clients send.
   * @default none
   */
  readonly initiatorHeader?: string;
  /**
   * A JSON file listing credentials by the sha256 of their token, with their initiator and whether
   * they may delegate. Re-read when it changes. Once set, only credentials it marks
   * `"delegate": true` (or listed in `trustedInitiators`) may delegate.
   * @default none
   */
  readonly credentialsFile?: string;
  /** Verification of JWT bearer tokens. @default none */
  readonly jwt?: JwtOptions;
  /**
   * A module (path relative to the working directory, or package name) exporting
   * `resolveCredential(context)`.
   * @default none
   */
  readonly resolverModule?: string;
  /** Resolvers given in code, tried after the module. @default [] */
  readonly credentialResolvers?: readonly CredentialResolver[];
}

/** Every option of the plugin's resolution. */
export interface InitiatorOptions extends RuleOptions, IdentityOptions {}

/** The names used in error messages for each setting, so callers can speak of their own settings. */
export interface SettingLabels extends RuleLabels {
  readonly initiatorHeader: string;
  readonly credentialsFile: string;
  readonly jwt: Readonly<Record<keyof JwtOptions, string>>;
  readonly resolverModule: string;
}

export const OPTION_LABELS: SettingLabels = {
  ownerHeader: 'ownerHeader',
  ownerUserAgentPrefixes: 'ownerUserAgentPrefixes',
  trustedInitiators: 'trustedInitiators',
  interceptionRoutes: 'interceptionRoutes',
  resolverTimeoutMs: 'resolverTimeoutMs',
  initiatorHeader: 'initiatorHeader',
  credentialsFile: 'credentialsFile',
  jwt: { jwksUrl: 'jwt.jwksUrl', publicKeyFile: 'jwt.publicKeyFile', secret: 'jwt.secret', issuer: 'jwt.issuer', audience: 'jwt.audience', claim: 'jwt.claim' },
  resolverModule: 'resolverModule',
};

/** Where the policy reports what happens after start (credentials file reloads). */
export type Report = (level: 'info' | 'warn', message: string) => void;

const noReport: Report = () => {};

/**
 * Validates every option, loads what they name (credentials file, JWT key, resolver module) and
 * compiles the policy. Throws `ConfigError` naming the setting at fault, never its secret value.
 */
export function createPolicy(options: InitiatorOptions = {}, labels: SettingLabels = OPTION_LABELS, report: Report = noReport): InitiatorPolicy {
  const resolvers: Resolver[] = [];
  const timeout = options.resolverTimeoutMs ?? DEFAULT_RESOLVER_TIMEOUT_MS;
  try {
    if (options.initiatorHeader !== undefined) {
      resolvers.push(initiatorHeaderResolver(checkHeaderName(labels.initiatorHeader, options.initiatorHeader)));
    }
    if (options.credentialsFile !== undefined) {
      const path = options.credentialsFile;
      resolvers.push(
        wrap(labels.credentialsFile, CredentialsFileError, () =>
          credentialsFileResolver(path, {
            onReload: (count) => report('info', `${labels.credentialsFile}: reloaded ${path}, ${count} credentials`),
            onRejectedReload: (problem, kept) =>
              report('warn', `${labels.credentialsFile}: the new version cannot be used, keeping the previous one (${kept} credentials): ${problem}`),
          }),
        ),
      );
    }
    if (options.jwt !== undefined) resolvers.push(jwtFrom(options.jwt, labels));
    if (options.resolverModule !== undefined) {
      const specifier = options.resolverModule;
      resolvers.push(customResolver(wrap(labels.resolverModule, ResolverModuleError, () => loadResolverModule(specifier)), timeout, 'module'));
    }
    for (const resolver of options.credentialResolvers ?? []) resolvers.push(customResolver(resolver, timeout));
    return compilePolicy(options, resolvers, labels);
  } catch (error) {
    for (const resolver of resolvers) resolver.close?.();
    throw error;
  }
}

function jwtFrom(jwt: JwtOptions, labels: SettingLabels): Resolver {
  const sources = (['jwksUrl', 'publicKeyFile', 'secret'] as const).filter((key) => jwt[key] !== undefined);
  if (sources.length > 1) {
    throw new ConfigError(labels.jwt[sources[1]!], `conflicts with ${labels.jwt[sources[0]!]}: set exactly one key source`);
  }
  if (sources.length === 0) {
    const set = (Object.keys(jwt) as (keyof JwtOptions)[]).find((key) => jwt[key] !== undefined) ?? 'jwksUrl';
    throw new ConfigError(labels.jwt[set], `is set, but no key to verify tokens with: set one of ${labels.jwt.jwksUrl}, ${labels.jwt.publicKeyFile} or ${labels.jwt.secret}`);
  }
  try {
    return jwtResolver(jwt);
  } catch (error) {
    if (error instanceof JwtConfigError) throw new ConfigError(labels.jwt[error.setting], error.message);
    throw error;
  }
}

function wrap<T>(label: string, expected: new (...args: never[]) => Error, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof expected) throw new ConfigError(label, error.message);
    throw error;
  }
}
