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
} = PROMETHEUS_METRIC_NAMES;

/** Label selectors of the dashboard's variables: service (the scrape job) and client. */
const byService = 'job=~"$service"';
const byServiceAndClient = `${byService}, aibridge_client=~"$client"`;
const rate = (metric: string, selector: string) => `rate(${metric}{${selector}}[$__rate_interval])`;

export const QUERIES = {
  interceptionsByOverride: `sum by (initiator_override) (${rate(interceptions, byServiceAndClient)})`,
  interceptionsBySource: `sum by (initiator_source) (${rate(interceptions, byServiceAndClient)})`,
  // `or vector(0)`: zero, not "no data", until the first override.
  ownerHeaderShare: `(sum(${rate(interceptions, `${byServiceAndClient}, initiator_override="true"`)}) or vector(0)) / sum(${rate(interceptions, byServiceAndClient)})`,
  rejectionsByReasonAndClient: `sum by (reason, aibridge_client) (${rate(overrideRejections, byServiceAndClient)})`,
  durationQuantile: (quantile: number) =>
    `histogram_quantile(${quantile}, sum by (le, initiator_override) (${rate(interceptionDurationBucket, byService)}))`,
  interceptionsByClientAndProvider: `sum by (aibridge_client, gen_ai_provider_name) (${rate(interceptions, byServiceAndClient)})`,
  resolverErrors: `sum by (resolver, reason) (${rate(resolverErrors, byService)})`,
  tokensBySource: `sum by (initiator_source) (${rate(tokens, byServiceAndClient)})`,
  ownerHeaderTokenShare: `(sum(${rate(tokens, `${byServiceAndClient}, initiator_override="true"`)}) or vector(0)) / sum(${rate(tokens, byServiceAndClient)})`,
  tokensByClient: `sum by (aibridge_client) (${rate(tokens, byServiceAndClient)})`,
  tokensByModel: `sum by (gen_ai_response_model) (${rate(tokens, byServiceAndClient)})`,
  tokensByType: `sum by (gen_ai_token_type) (${rate(tokens, byServiceAndClient)})`,
  activeInterceptions: `sum by (gen_ai_provider_name) (${interceptionsActive}{${byService}})`,
  usageUnavailableByReason: `sum by (reason) (${rate(usageUnavailable, byServiceAndClient)})`,
} as const;

export const METRICS = {
  interceptions,
  overrideRejections,
  interceptionDurationBucket,
  resolverErrors,
  tokens,
  interceptionsActive,
  usageUnavailable,
};
