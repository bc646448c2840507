import { PROMETHEUS_METRIC_NAMES } from 'aibridge-initiator-otel';

// Metric names come from the constants the plugin records with, so queries cannot drift from it.
const {
  interceptions,
  overrideRejections,
  interceptionDurationBucket,
  resolverErrors,
  tokens,
  interceptionsActive,
  usageUnavailable,
  credentialsFileReloadFailed,
} = PROMETHEUS_METRIC_NAMES;

export const METRICS = PROMETHEUS_METRIC_NAMES;

/**
 * The labels each metric carries besides `job` and `instance`, as the Prometheus exporter writes
 * them. The client filter is applied only where there is a client to filter on: on the others it
 * would silently match nothing or everything, and their panels say "all clients" instead.
 */
export const METRIC_LABELS: Readonly<Record<string, readonly string[]>> = {
  [interceptions]: [
    'initiator_override',
    'initiator_source',
    'aibridge_client',
    'gen_ai_provider_name',
    'http_response_status_code',
  ],
  [overrideRejections]: ['reason', 'aibridge_client', 'initiator_authentication'],
  [resolverErrors]: ['resolver', 'reason'],
  [interceptionDurationBucket]: ['initiator_override', 'gen_ai_provider_name', 'le'],
  [tokens]: [
    'gen_ai_token_type',
    'initiator_override',
    'initiator_source',
    'aibridge_client',
    'gen_ai_provider_name',
    'gen_ai_response_model',
  ],
  [interceptionsActive]: ['gen_ai_provider_name'],
  [usageUnavailable]: ['reason', 'aibridge_client', 'gen_ai_provider_name'],
  [credentialsFileReloadFailed]: [],
};

export const hasClient = (metric: string): boolean => METRIC_LABELS[metric]?.includes('aibridge_client') ?? false;

/**
 * Resolver errors that mean the resolver could not answer at all (its key set unreachable, a
 * module that hangs or throws), as opposed to a credential it refused (`expired`, `invalid`...).
 * While they last, credentials resolve to fingerprints and cannot delegate through the resolver.
 */
export const RESOLVER_OUTAGE_REASONS = ['jwks_unavailable', 'timeout', 'error'] as const;
const OUTAGE = `reason=~"${RESOLVER_OUTAGE_REASONS.join('|')}"`;

/** The dashboard's variables: service (the scrape job), instance (the replica) and client. */
const REPLICAS = 'job=~"$service", instance=~"$instance"';

/** A series selector with the dashboard's filters, the client one only where the metric has a client. */
export function selector(metric: string, matchers?: string): string {
  const client = hasClient(metric) ? ', aibridge_client=~"$client"' : '';
  return `${metric}{${REPLICAS}${client}${matchers === undefined ? '' : `, ${matchers}`}}`;
}

// Per-series functions come first and aggregation after: the sum of the replicas' rates is the
// rate of the fleet, while a rate of summed counters breaks on every replica's restart.
const rate = (metric: string, matchers?: string) => `rate(${selector(metric, matchers)}[$__rate_interval])`;
const inRange = (metric: string, matchers?: string) => `increase(${selector(metric, matchers)}[$__range])`;

/** The alerts count in 5-minute windows; panels that sit beside them speak in the same unit. */
const PER_5_MINUTES = 300;

const share = (numerator: string, denominator: string) =>
  // `or vector(0)`: zero rather than nothing before the first match; `> 0`: nothing rather than
  // NaN (0/0) while there is no traffic at all, which the panels show as "no interceptions".
  `(${numerator} or vector(0)) / (${denominator} > 0)`;

// The status class of an interception, `other` for a code outside 100-599.
const byStatusClass = (expr: string) =>
  `label_replace(label_replace(${expr}, "status_class", "other", "", ""), "status_class", "\${1}xx", "http_response_status_code", "([1-5])[0-9][0-9]")`;

export const QUERIES = {
  // At a glance: counts over the dashboard's range, and the current rates.
  untrustedDelegationsAuthenticated: `sum(${inRange(overrideRejections, 'reason="credential_not_trusted", initiator_authentication="accepted"')})`,
  untrustedDelegationsUnauthenticated: `sum(${inRange(overrideRejections, 'reason="credential_not_trusted", initiator_authentication!="accepted"')})`,
  refusedOwnerHeaders: `sum(${inRange(overrideRejections, 'reason!="credential_not_trusted"')})`,
  // Resolver error series appear with their first error: zero, not "no data", until then.
  resolverOutages: `sum(${inRange(resolverErrors, OUTAGE)}) or vector(0)`,
  resolverRefusals: `sum(${inRange(resolverErrors, OUTAGE.replace('=~', '!~'))}) or vector(0)`,
  ownerHeaderShareInRange: share(
    `sum(${inRange(interceptions, 'initiator_override="true"')})`,
    `sum(${inRange(interceptions)})`,
  ),
  interceptionsPerSecond: `sum(${rate(interceptions)})`,
  // `>= 0` drops the NaN histogram_quantile gives while nothing was observed.
  durationP95Now: `histogram_quantile(0.95, sum by (le) (${rate(interceptionDurationBucket)})) >= 0`,

  // Owner headers and resolvers.
  rejectionsPer5mByReasonAndClient: `${PER_5_MINUTES} * sum by (reason, aibridge_client) (${rate(overrideRejections)})`,
  untrustedDelegationsPer5m: `${PER_5_MINUTES} * sum by (initiator_authentication, aibridge_client) (${rate(overrideRejections, 'reason="credential_not_trusted"')})`,
  resolverErrorsPer5m: `${PER_5_MINUTES} * sum by (resolver, reason) (${rate(resolverErrors)})`,
  credentialsFileReloadFailed: `max by (instance) (${selector(credentialsFileReloadFailed)})`,

  // Traffic.
  interceptionsByStatusClass: `sum by (status_class) (${byStatusClass(rate(interceptions))})`,
  interceptionsByOverride: `sum by (initiator_override) (${rate(interceptions)})`,
  interceptionsBySource: `sum by (initiator_source) (${rate(interceptions)})`,
  interceptionsByClientAndProvider: `sum by (aibridge_client, gen_ai_provider_name) (${rate(interceptions)})`,
  activeInterceptions: `sum by (gen_ai_provider_name) (${selector(interceptionsActive)})`,
  durationQuantile: (quantile: number) =>
    `histogram_quantile(${quantile}, sum by (le, initiator_override) (${rate(interceptionDurationBucket)}))`,

  // Tokens.
  tokensBySource: `sum by (initiator_source) (${rate(tokens)})`,
  ownerHeaderTokenShareInRange: share(
    `sum(${inRange(tokens, 'initiator_override="true"')})`,
    `sum(${inRange(tokens)})`,
  ),
  tokensByType: `sum by (gen_ai_token_type) (${rate(tokens)})`,
  tokensByClient: `sum by (aibridge_client) (${rate(tokens)})`,
  tokensByModel: `sum by (gen_ai_response_model) (${rate(tokens)})`,
  // The share the usage alert watches: of successful interceptions, those whose usage could not be read.
  usageUnavailableShareByReason: `sum by (reason) (${rate(usageUnavailable)}) / ignoring (reason) group_left () (sum(${rate(interceptions, 'http_response_status_code=~"2.."')}) > 0)`,
} as const;
