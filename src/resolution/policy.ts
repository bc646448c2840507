import type { Resolver } from './resolver-types';
import { compileRoutes, DEFAULT_INTERCEPTION_ROUTES, RouteError, type RouteTable } from './routes';

/** The settings of the owner-header rules and the interception routes. */
export interface RuleOptions {
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
   * Credential initiators allowed to delegate. Empty (and no credentials file): any credential may.
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
   * How long resolvers that must wait (a first JWT verification, a resolver module) may take, in
   * total, before the fingerprint stands in.
   * @default 1000
   */
  readonly resolverTimeoutMs?: number;
}

/** Options validated and compiled for the hot path. */
export interface InitiatorPolicy {
  /** Lowercase header name. */
  readonly ownerHeader: string;
  /** Lowercase prefixes. */
  readonly ownerUserAgentPrefixes: readonly string[];
  readonly trustedInitiators: ReadonlySet<string>;
  /** True when delegation is restricted: trusted initiators listed, or a resolver that governs it. */
  readonly delegationRestricted: boolean;
  readonly routes: RouteTable;
  /** Tried in order; the fingerprint is the fallback. */
  readonly resolvers: readonly Resolver[];
  readonly resolverTimeoutMs: number;
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

export const DEFAULT_OWNER_HEADER = 'X-Coder-Owner-Id';
export const DEFAULT_OWNER_USER_AGENT_PREFIXES: readonly string[] = ['coder-agents/'];
export const DEFAULT_RESOLVER_TIMEOUT_MS = 1_000;

// RFC 9110 token characters: what a header name may be made of.
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const PRINTABLE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

/** Throws `ConfigError` (labelled `label`) unless `name` is a valid HTTP header name. */
export function checkHeaderName(label: string, name: string): string {
  if (!HEADER_NAME.test(name)) throw new ConfigError(label, `"${name}" is not a valid HTTP header name`);
  return name;
}

/** Throws `ConfigError` unless every entry is printable and not empty. */
export function checkList(label: string, items: readonly string[]): readonly string[] {
  items.forEach((item, index) => {
    if (typeof item !== 'string' || !PRINTABLE.test(item)) {
      throw new ConfigError(label, `entry ${index + 1} ("${String(item)}") is empty, has surrounding spaces or non-printable characters`);
    }
  });
  return items;
}

/** The names used in errors for each rule setting. */
export interface RuleLabels {
  readonly ownerHeader: string;
  readonly ownerUserAgentPrefixes: string;
  readonly trustedInitiators: string;
  readonly interceptionRoutes: string;
  readonly resolverTimeoutMs: string;
}

/** Validates the rule settings and compiles them with the resolvers into a policy. */
export function compilePolicy(options: RuleOptions, resolvers: readonly Resolver[], labels: RuleLabels): InitiatorPolicy {
  const ownerHeader = checkHeaderName(labels.ownerHeader, options.ownerHeader ?? DEFAULT_OWNER_HEADER);
  const prefixes = checkList(labels.ownerUserAgentPrefixes, options.ownerUserAgentPrefixes ?? DEFAULT_OWNER_USER_AGENT_PREFIXES);
  const trusted = checkList(labels.trustedInitiators, options.trustedInitiators ?? []);
  const routeSpecs = checkList(labels.interceptionRoutes, options.interceptionRoutes ?? DEFAULT_INTERCEPTION_ROUTES);
  if (routeSpecs.length === 0) throw new ConfigError(labels.interceptionRoutes, 'needs at least one route');
  let routes: RouteTable;
  try {
    routes = compileRoutes(routeSpecs);
  } catch (error) {
    if (error instanceof RouteError) throw new ConfigError(labels.interceptionRoutes, error.message);
    throw error;
  }
  const timeout = options.resolverTimeoutMs ?? DEFAULT_RESOLVER_TIMEOUT_MS;
  if (!Number.isInteger(timeout) || timeout < 1 || timeout > 60_000) {
    throw new ConfigError(labels.resolverTimeoutMs, `must be a whole number of milliseconds from 1 to 60000, got ${String(timeout)}`);
  }
  return {
    ownerHeader: ownerHeader.toLowerCase(),
    ownerUserAgentPrefixes: prefixes.map((prefix) => prefix.toLowerCase()),
    trustedInitiators: new Set(trusted),
    delegationRestricted: trusted.length > 0 || resolvers.some((resolver) => resolver.governsDelegation === true),
    routes,
    resolvers,
    resolverTimeoutMs: timeout,
  };
}
