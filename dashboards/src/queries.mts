import { PROMETHEUS_METRIC_NAMES } from 'aibridge-initiator-otel';

// Metric names come from the constants the plugin records with, so queries cannot drift from it.
const { interceptions, overrideRejections, interceptionDurationBucket, resolverErrors } = PROMETHEUS_METRIC_NAMES;

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
  interceptionsByClientAndProvider: `sum by (aibridge_client, aibridge_provider) (${rate(interceptions, byServiceAndClient)})`,
  resolverErrors: `sum by (resolver, reason) (${rate(resolverErrors, byService)})`,
} as const;

export const METRICS = { interceptions, overrideRejections, interceptionDurationBucket, resolverErrors };
