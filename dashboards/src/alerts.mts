import { METRICS } from './queries.mts';

/** Prometheus alerting rules, as the object `promtool` reads from YAML. */
export function buildAlertRules() {
  return {
    groups: [
      {
        name: 'aibridge-initiators',
        rules: [
          {
            alert: 'AIBridgeOwnerHeaderRejectionBurst',
            expr: `sum by (job, aibridge_client) (increase(${METRICS.overrideRejections}[5m])) > 20`,
            for: '2m',
            labels: { severity: 'warning' },
            annotations: {
              summary: 'Many owner headers refused from {{ $labels.aibridge_client }} on {{ $labels.job }}',
              description:
                '{{ $value | printf "%.0f" }} X-Coder-Owner-Id headers were refused in 5 minutes. Someone may be trying to act as other users.',
              runbook:
                'Look at the rejections panel by reason. client_not_allowed: a client that may not delegate sends the header (misconfigured tool, or spoofing). invalid_format: malformed owner IDs (a broken Coder Agents release, or probing). credential_not_trusted: see AIBridgeCredentialNotTrusted. In Jaeger, search for tag initiator.override.rejected_reason to find the callers; their initiator.credential_id tells whose key it is. Revoke the key if it is not a known agent.',
            },
          },
          {
            alert: 'AIBridgeCredentialNotTrusted',
            expr: `sum by (job, aibridge_client) (increase(${METRICS.overrideRejections}{reason="credential_not_trusted"}[5m])) > 0`,
            labels: { severity: 'critical' },
            annotations: {
              summary: 'An untrusted credential sent an owner header on {{ $labels.job }}',
              description:
                'A request claimed to act for another user with a credential that may not delegate ({{ $labels.aibridge_client }}).',
              runbook:
                'Only credentials listed in AIBRIDGE_OWNER_TRUSTED_INITIATORS or marked "delegate": true in AIBRIDGE_CREDENTIALS_FILE may delegate. In Jaeger, search for tag initiator.override.rejected_reason=credential_not_trusted: initiator.credential_id names the key. A new Coder Agents service account needs "delegate": true; anything else is spoofing: revoke the key.',
            },
          },
          {
            alert: 'AIBridgeUsageUnavailable',
            // Successful interceptions only: an error response carries no usage and is not counted.
            expr: `sum by (job) (increase(${METRICS.usageUnavailable}[15m])) / sum by (job) (increase(${METRICS.interceptions}{http_response_status_code=~"2.."}[15m])) > 0.05`,
            for: '5m',
            labels: { severity: 'warning' },
            annotations: {
              summary: 'Usage could not be read for more than 5% of successful interceptions on {{ $labels.job }}',
              description:
                '{{ $value | humanizePercentage }} of successful interceptions in 15 minutes reported no usage: tokens per initiator are undercounted.',
              runbook:
                'Look at the usage unavailable panel by reason. missing: clients stream Chat Completions without stream_options.include_usage, or the provider stopped sending usage. truncated: streams cut off (client aborts, upstream resets, gateway timeouts). malformed: the provider or the gateway changed the response shape. encoded: the gateway compresses responses with an encoding the plugin cannot read (gzip, deflate and br are read). too_large: single responses beyond the scanning bound. In Jaeger, search for tag aibridge.usage.unavailable to find the calls.',
            },
          },
        ],
      },
    ],
  };
}
