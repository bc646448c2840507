import type { CredentialResolver } from './credential';
import { compileRoutes, DEFAULT_INTERCEPTION_ROUTES, RouteError, type RouteTable } from './routes';

/**
 * How initiators are resolved. Every option has a default that matches the seed behaviour:
 * Coder Agents may name an owner, any credential may delegate.
 */
export interface InitiatorOptions {
  /**
   * Name of the header that names the owner (case-insensitive).
   * @default 'X-Coder-Owner-Id'
   */
  readonly ownerHeader?: string;
  /**
   * User-Agent prefixes (case-insensitive) of the clients allowed to delegate to the owner header.
   * @default ['coder-agents/']
   */
  readonly ownerUserAgentPrefixes?: readonly string[];
  /**
   * Credential initiators allowed to delegate. Empty: any credential may.
   * @default []
   */
  readonly trustedInitiators?: readonly string[];
  /**
   * Paths of interception routes (POST only, query ignored). A path whose shape does not tell the
   * provider names it: `/llm/complete=openai`.
   * @default DEFAULT_INTERCEPTION_ROUTES
   */
  readonly interceptionRoutes?: readonly string[];
  /**
   * Map a credential to an initiator, tried in order before the fingerprint fallback.
   * @default []
   */
  readonly credentialResolvers?: readonly CredentialResolver[];
  /**
   * Receives errors of credential resolvers (already stripped of the token).
   * @default ignored
   */
  readonly onResolverError?: (error: Error) => void;
}

/** Options validated and normalised for the hot path. Build it with `createPolicy`. */
export interface InitiatorPolicy {
  /** Lowercase header name. */
  readonly ownerHeader: string;
  /** Lowercase prefixes. */
  readonly ownerUserAgentPrefixes: readonly string[];
  readonly trustedInitiators: ReadonlySet<string>;
  readonly routes: RouteTable;
  readonly credentialResolvers: readonly CredentialResolver[];
  readonly onResolverError: (error: Error) => void;
}

/** An invalid setting. `setting` names the option or variable; the message says what is wrong. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly setting: string,
    problem: string,
  ) {
    super(`${setting}: ${problem}`);
  }
}

/** Names used in error messages for each option, so callers can speak of their own settings. */
export interface SettingLabels {
  readonly ownerHeader: string;
  readonly ownerUserAgentPrefixes: string;
  readonly trustedInitiators: string;
  readonly interceptionRoutes: string;
}

const OPTION_LABELS: SettingLabels = {
  ownerHeader: 'ownerHeader',
  ownerUserAgentPrefixes: 'ownerUserAgentPrefixes',
  trustedInitiators: 'trustedInitiators',
  interceptionRoutes: 'interceptionRoutes',
};

export const DEFAULT_OWNER_HEADER = 'X-Coder-Owner-Id';
export const DEFAULT_OWNER_USER_AGENT_PREFIXES: readonly string[] = ['coder-agents/'];

// RFC 9110 token characters: what a header name may be made of.
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const PRINTABLE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;
const noop = (): void => {};

/** Validates options and compiles them; throws `ConfigError` naming the setting at fault. */
export function createPolicy(options: InitiatorOptions = {}, labels: SettingLabels = OPTION_LABELS): InitiatorPolicy {
  const ownerHeader = options.ownerHeader ?? DEFAULT_OWNER_HEADER;
  if (!HEADER_NAME.test(ownerHeader)) {
    throw new ConfigError(labels.ownerHeader, `"${ownerHeader}" is not a valid HTTP header name`);
  }
  const prefixes = checkedList(labels.ownerUserAgentPrefixes, options.ownerUserAgentPrefixes ?? DEFAULT_OWNER_USER_AGENT_PREFIXES);
  const trusted = checkedList(labels.trustedInitiators, options.trustedInitiators ?? []);
  const routeSpecs = checkedList(labels.interceptionRoutes, options.interceptionRoutes ?? DEFAULT_INTERCEPTION_ROUTES);
  if (routeSpecs.length === 0) throw new ConfigError(labels.interceptionRoutes, 'needs at least one route');
  let routes: RouteTable;
  try {
    routes = compileRoutes(routeSpecs);
  } catch (error) {
    if (error instanceof RouteError) throw new ConfigError(labels.interceptionRoutes, error.message);
    throw error;
  }
  return {
    ownerHeader: ownerHeader.toLowerCase(),
    ownerUserAgentPrefixes: prefixes.map((prefix) => prefix.toLowerCase()),
    trustedInitiators: new Set(trusted),
    routes,
    credentialResolvers: [...(options.credentialResolvers ?? [])],
    onResolverError: options.onResolverError ?? noop,
  };
}

function checkedList(label: string, items: readonly string[]): readonly string[] {
  items.forEach((item, index) => {
    if (typeof item !== 'string' || !PRINTABLE.test(item)) {
      throw new ConfigError(label, `entry ${index + 1} ("${String(item)}") is empty, has surrounding spaces or non-printable characters`);
    }
  });
  return items;
}
