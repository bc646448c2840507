import type { ClientTable } from './clients';
import type { Resolver } from './resolver-types';
import type { RouteTable } from './routes';

/** The settings of the rules, validated and compiled for the hot path (see `createPolicy`). */
export interface InitiatorPolicy {
  /** Lowercase header name. */
  readonly ownerHeader: string;
  /** Lowercase prefixes. */
  readonly ownerUserAgentPrefixes: readonly string[];
  readonly trustedInitiators: ReadonlySet<string>;
  /** True when delegation is restricted: trusted initiators listed, or a resolver that governs it. */
  readonly delegationRestricted: boolean;
  readonly routes: RouteTable;
  /** How clients are detected and where each names its session: the built-in rules and the operator's. */
  readonly clients: ClientTable;
  /** Tried in order; the fingerprint is the fallback. */
  readonly resolvers: readonly Resolver[];
  readonly resolverTimeoutMs: number;
}
