import { DASHBOARD_UID, DEFAULT_OPTIONS, headingAnchor, type GeneratorOptions } from './options.mts';
import { METRICS, RESOLVER_OUTAGE_REASONS } from './queries.mts';

/** One alerting rule, as `promtool` reads it. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: { readonly severity: 'warning' | 'critical' };
  readonly annotations: Readonly<Record<'summary' | 'description' | 'runbook_url' | 'dashboard_url', string>>;
}

/** Refused owner headers (other than credential_not_trusted) from one client in 5 minutes, fleet-wide. */
export const BURST_THRESHOLD = 20;
/** Of successful interceptions in 15 minutes, the share whose usage could not be read. */
export const USAGE_UNAVAILABLE_THRESHOLD = 0.05;

// The dashboard's variables that an alert's labels fill in.
const DASHBOARD_VARIABLES: Readonly<Record<string, string>> = {
  job: 'service',
  instance: 'instance',
  aibridge_client: 'client',
};

/**
 * The alerting rules, as the object `promtool` reads from YAML. Each aggregates over the replicas
 * of a job (per-series `increase` first, then `sum`), and each carries a runbook and a link to the
 * dashboard narrowed to the job, instance and client it is about.
 */
export function buildAlertRules(options: GeneratorOptions = DEFAULT_OPTIONS) {
  const rule = (
    alert: string,
    by: readonly string[],
    definition: Omit<AlertRule, 'alert' | 'annotations'> & { summary: string; description: string },
  ): AlertRule => {
    const variables = by
      .filter((label) => DASHBOARD_VARIABLES[label] !== undefined)
      .map((label) => `var-${DASHBOARD_VARIABLES[label]}={{ $labels.${label} | urlquery }}`);
    const { summary, description, ...rest } = definition;
    return {
      alert,
      ...rest,
      annotations: {
        summary,
        description,
        runbook_url: `${options.runbookUrl}#${headingAnchor(alert)}`,
        dashboard_url: `${options.grafanaUrl}/d/${DASHBOARD_UID}?${[...variables, 'from=now-3h', 'to=now'].join('&')}`,
      },
    };
  };
  const rejections = (matchers: string) => `${METRICS.overrideRejections}{${matchers}}`;
  const byClient = ['job', 'aibridge_client'];
  const untrustedUnauthenticated = `increase(${rejections('reason="credential_not_trusted", initiator_authentication!="accepted"')}[5m])`;
  const untrustedAuthenticated = `increase(${rejections('reason="credential_not_trusted", initiator_authentication="accepted"')}[5m])`;
  const outage = `reason=~"${RESOLVER_OUTAGE_REASONS.join('|')}"`;

  return {
    groups: [
      {
        name: 'aibridge-initiators',
        rules: [
          rule('AIBridgeOwnerHeaderRejectionBurst', byClient, {
            // credential_not_trusted has alerts of its own: a burst of it must not raise this one too.
            expr: `sum by (job, aibridge_client) (increase(${rejections('reason!="credential_not_trusted"')}[5m])) > ${BURST_THRESHOLD}`,
            for: '2m',
            labels: { severity: 'warning' },
            summary: 'Many owner headers refused from {{ $labels.aibridge_client }} on {{ $labels.job }}',
            description: `{{ $value | printf "%.0f" }} owner headers from {{ $labels.aibridge_client }} were refused in 5 minutes across the replicas of {{ $labels.job }} (more than ${BURST_THRESHOLD}; credential_not_trusted not counted). A client may be misconfigured, or someone may be probing.`,
          }),
          // Anyone can send an owner header without a credential, or with a made-up one the gateway
          // refuses: that alone must never wake anybody. Every such event warns, and pages only once it
          // lasts (the critical rule shares the warning's name and labels, so Alertmanager's usual
          // inhibition of a warning by its critical leaves one notification). A credential the gateway
          // accepted pages at once, under its own name: its holder can call the models.
          rule('AIBridgeCredentialNotTrusted', byClient, {
            expr: `sum by (job, aibridge_client) (${untrustedUnauthenticated}) > 0`,
            labels: { severity: 'warning' },
            summary: 'An owner header without a working credential was refused on {{ $labels.job }}',
            description:
              'Owner headers from {{ $labels.aibridge_client }} sent without a credential, or with one the gateway refused, were refused credential_not_trusted ({{ $value | printf "%.0f" }} in the last 5 minutes). Anyone can send those. It pages if it goes on for 15 minutes.',
          }),
          rule('AIBridgeCredentialNotTrusted', byClient, {
            expr: `sum by (job, aibridge_client) (${untrustedUnauthenticated}) > 0`,
            for: '15m',
            labels: { severity: 'critical' },
            summary: 'Owner headers without a working credential have been refused for 15 minutes on {{ $labels.job }}',
            description:
              'For 15 minutes, owner headers from {{ $labels.aibridge_client }} sent without a credential the gateway accepted have kept being refused credential_not_trusted ({{ $value | printf "%.0f" }} in the last 5 minutes): sustained probing, or an agent that lost its key.',
          }),
          rule('AIBridgeAuthenticatedCredentialNotTrusted', byClient, {
            expr: `sum by (job, aibridge_client) (${untrustedAuthenticated}) > 0`,
            labels: { severity: 'critical' },
            summary: 'A working credential that may not delegate tried to act for another user on {{ $labels.job }}',
            description:
              'Owner headers from {{ $labels.aibridge_client }} were refused credential_not_trusted with a credential the gateway accepted ({{ $value | printf "%.0f" }} in the last 5 minutes): its holder can call the models, and tried to do it as someone else.',
          }),
          rule('AIBridgeUsageUnavailable', ['job'], {
            // Successful interceptions only: an error response carries no usage and is not counted.
            expr: `sum by (job) (increase(${METRICS.usageUnavailable}[15m])) / sum by (job) (increase(${METRICS.interceptions}{http_response_status_code=~"2.."}[15m])) > ${USAGE_UNAVAILABLE_THRESHOLD}`,
            for: '5m',
            labels: { severity: 'warning' },
            summary: `Usage could not be read for more than ${USAGE_UNAVAILABLE_THRESHOLD * 100}% of successful interceptions on {{ $labels.job }}`,
            description:
              '{{ $value | humanizePercentage }} of successful interceptions in 15 minutes reported no usage: tokens per initiator are undercounted.',
          }),
          // The rejection series are reported from zero as soon as the plugin starts, whatever the
          // traffic: their absence means no gateway's plugin is being scraped at all.
          rule('AIBridgeMetricsAbsent', [], {
            expr: `absent(${METRICS.overrideRejections}{job=~"${options.gatewayJobs}"})`,
            for: '15m',
            labels: { severity: 'critical' },
            summary: 'No AI gateway reports its initiator metrics',
            description:
              'For 15 minutes no series of the plugin has reached Prometheus: the owner-header and credential alerts cannot fire. The gateways are down, the plugin is not loaded, or the scrape (or the collector) is broken.',
          }),
          rule('AIBridgeResolverUnavailable', ['job'], {
            expr: `sum by (job, resolver, reason) (increase(${METRICS.resolverErrors}{${outage}}[5m])) > 0`,
            for: '10m',
            labels: { severity: 'warning' },
            summary: 'The {{ $labels.resolver }} resolver cannot answer on {{ $labels.job }} ({{ $labels.reason }})',
            description:
              'For 10 minutes the {{ $labels.resolver }} resolver has failed with {{ $labels.reason }} ({{ $value | printf "%.0f" }} in the last 5 minutes): the credentials it knows are attributed to their fingerprints instead, and cannot delegate through it.',
          }),
          rule('AIBridgeCredentialsFileReloadFailed', ['job', 'instance'], {
            expr: `max by (job, instance) (${METRICS.credentialsFileReloadFailed}) > 0`,
            for: '5m',
            labels: { severity: 'warning' },
            summary: 'The credentials file on {{ $labels.instance }} ({{ $labels.job }}) cannot be loaded',
            description:
              'For 5 minutes {{ $labels.instance }} has kept an older version of its credentials file: the one on disk is invalid, unreadable or gone. Rotations and revocations made since do not apply there.',
          }),
        ],
      },
    ],
  };
}
