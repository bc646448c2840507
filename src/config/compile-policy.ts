import type { InitiatorPolicy } from '../resolution/policy';
import type { Resolver } from '../resolution/resolver-types';
import { DEFAULT_INTERCEPTION_ROUTES } from '../resolution/routes';
import type { RuleOptions } from '../types';
import { checkHeaderName, checkList } from './checks';
import { type ClientLabels, compileClients } from './compile-clients';
import { compileRoutes } from './compile-routes';
import { ConfigError } from '../config-error';

export const DEFAULT_OWNER_HEADER = 'X-Coder-Owner-Id';
export const DEFAULT_OWNER_USER_AGENT_PREFIXES: readonly string[] = ['coder-agents/'];
export const DEFAULT_RESOLVER_TIMEOUT_MS = 1_000;

/** The names used in errors for each rule setting. */
export interface RuleLabels extends ClientLabels {
  readonly ownerHeader: string;
  readonly ownerUserAgentPrefixes: string;
  readonly trustedInitiators: string;
  readonly interceptionRoutes: string;
  readonly resolverTimeoutMs: string;
}

/** Validates the rule settings and compiles them with the resolvers into a policy. */
export function compilePolicy(
  options: RuleOptions,
  resolvers: readonly Resolver[],
  labels: RuleLabels,
): InitiatorPolicy {
  const ownerHeader = checkHeaderName(labels.ownerHeader, options.ownerHeader ?? DEFAULT_OWNER_HEADER);
  const prefixes = checkList(
    labels.ownerUserAgentPrefixes,
    options.ownerUserAgentPrefixes ?? DEFAULT_OWNER_USER_AGENT_PREFIXES,
  );
  const trusted = checkList(labels.trustedInitiators, options.trustedInitiators ?? []);
  const routes = compileRoutes(
    labels.interceptionRoutes,
    checkList(labels.interceptionRoutes, options.interceptionRoutes ?? DEFAULT_INTERCEPTION_ROUTES),
  );
  const timeout = options.resolverTimeoutMs ?? DEFAULT_RESOLVER_TIMEOUT_MS;
  if (!Number.isInteger(timeout) || timeout < 1 || timeout > 60_000) {
    throw new ConfigError(
      labels.resolverTimeoutMs,
      `must be a whole number of milliseconds from 1 to 60000, got ${String(timeout)}`,
    );
  }
  return {
    ownerHeader: ownerHeader.toLowerCase(),
    ownerUserAgentPrefixes: prefixes.map((prefix) => prefix.toLowerCase()),
    trustedInitiators: new Set(trusted),
    delegationRestricted: trusted.length > 0 || resolvers.some((resolver) => resolver.governsDelegation === true),
    routes,
    clients: compileClients(options.clientRules, options.sessionHeaders, labels),
    resolvers,
    resolverTimeoutMs: timeout,
  };
}
