import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import {
  BigValueColorMode,
  BigValueGraphMode,
  BigValueTextMode,
  GraphThresholdsStyleConfigBuilder,
  GraphThresholdsStyleMode,
  LegendDisplayMode,
  LegendPlacement,
  ReduceDataOptionsBuilder,
  SortOrder,
  TooltipDisplayMode,
  VizLegendOptionsBuilder,
  VizTooltipOptionsBuilder,
} from '@grafana/grafana-foundation-sdk/common';
import {
  DashboardBuilder,
  DashboardCursorSync,
  DatasourceVariableBuilder,
  FieldColorBuilder,
  FieldColorModeId,
  MappingType,
  QueryVariableBuilder,
  RowBuilder,
  TextBoxVariableBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  VariableRefresh,
  VariableSort,
  type DynamicConfigValue,
  type Threshold,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanelBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TablePanelBuilder } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeseriesPanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import { REJECTION_REASONS } from 'aibridge-initiator-otel';
import { BURST_THRESHOLD, USAGE_UNAVAILABLE_THRESHOLD } from './alerts.mts';
import { jaegerSearch, link, variable } from './links.mts';
import { DASHBOARD_UID, DEFAULT_OPTIONS, headingAnchor, type GeneratorOptions } from './options.mts';
import { METRICS, QUERIES } from './queries.mts';

const PROMETHEUS = { type: 'prometheus', uid: '${datasource}' };
const JAEGER = { type: 'jaeger', uid: '${jaeger}' };

/** A range query, one point per step: what time series and sparklines draw. */
const query = (expr: string, legend: string, refId = 'A') =>
  new DataqueryBuilder().datasource(PROMETHEUS).expr(expr).legendFormat(legend).refId(refId).range();

/** One value at the end of the range: a count over `$__range` needs no series. */
const instant = (expr: string, legend: string, refId = 'A') => query(expr, legend, refId).instant();

/** A search of the Jaeger datasource, run by Grafana over the dashboard's time range. */
const jaegerQuery = (refId: string, tags: string): cog.Builder<cog.Dataquery> => ({
  build: () =>
    ({
      refId,
      datasource: JAEGER,
      queryType: 'search',
      service: '${jaeger_service}',
      tags,
      limit: 20,
    }) as unknown as cog.Dataquery,
});

// Panel ids in order of appearance: Grafana keys panel state and links on them.
let nextId = 0;
const id = () => ++nextId;

const steps = (...list: Threshold[]) => new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(list);
const fixedColor = (color: string) => new FieldColorBuilder().mode(FieldColorModeId.Fixed).fixedColor(color);
const thresholdsOf = (...list: Threshold[]): DynamicConfigValue => ({
  id: 'thresholds',
  value: { mode: ThresholdsMode.Absolute, steps: list },
});
const colorOf = (color: string): DynamicConfigValue => ({ id: 'color', value: { mode: 'fixed', fixedColor: color } });

/** Every time series shows what it draws: a table legend with mean, max and last, and all series in the tooltip. */
const timeseries = (title: string, description: string, unit: string) =>
  new TimeseriesPanelBuilder()
    .id(id())
    .title(title)
    .description(description)
    .datasource(PROMETHEUS)
    .unit(unit)
    .min(0)
    .height(8)
    .span(12)
    .legend(
      new VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(LegendDisplayMode.Table)
        .placement(LegendPlacement.Bottom)
        .calcs(['mean', 'max', 'lastNotNull'])
        .sortBy('Max')
        .sortDesc(true),
    )
    .tooltip(new VizTooltipOptionsBuilder().mode(TooltipDisplayMode.Multi).sort(SortOrder.Descending));

/** A number read at a glance: the last value, coloured by what it means. */
const stat = (title: string, description: string, unit: string) =>
  new StatPanelBuilder()
    .id(id())
    .title(title)
    .description(description)
    .datasource(PROMETHEUS)
    .unit(unit)
    .height(5)
    .span(4)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .textMode(BigValueTextMode.ValueAndName)
    .colorMode(BigValueColorMode.Value)
    .graphMode(BigValueGraphMode.None);

/** The dashboard, built with Grafana's typed builders. */
export function buildDashboard(options: GeneratorOptions = DEFAULT_OPTIONS) {
  nextId = 0;
  const runbook = (alert: string) => link(`Runbook: ${alert}`, `${options.runbookUrl}#${headingAnchor(alert)}`);
  const rejectedTraces = (reason: string | ReturnType<typeof variable>) =>
    jaegerSearch([
      ['initiator.override.rejected_reason', reason],
      ['aibridge.client', variable('__field.labels.aibridge_client')],
    ]);

  return (
    new DashboardBuilder('AI Bridge: interceptions by initiator')
      .uid(DASHBOARD_UID)
      .tags(['aibridge', 'opentelemetry'])
      .description(
        'Who AI gateway interceptions are attributed to, the owner headers refused, the resolvers behind the credentials, and the tokens used. Provisioned read-only: change dashboards/src and regenerate.',
      )
      // Provisioned from a file: edits in the UI would be lost at the next load.
      .readonly()
      .tooltip(DashboardCursorSync.Crosshair)
      .refresh('30s')
      .time({ from: 'now-3h', to: 'now' })
      .timezone('browser')
      .withVariable(new DatasourceVariableBuilder('datasource').label('Prometheus').type('prometheus'))
      .withVariable(
        new QueryVariableBuilder('service')
          .label('Service (scrape job)')
          .description('The gateways, by Prometheus job: the scrape job, or the service name behind a collector.')
          .datasource(PROMETHEUS)
          // Rejection series exist from the start at zero, so a gateway without traffic is listed too.
          .query(`label_values(${METRICS.overrideRejections}, job)`)
          .definition(`label_values(${METRICS.overrideRejections}, job)`)
          .includeAll(true)
          .allValue('.*')
          .multi(true)
          .sort(VariableSort.AlphabeticalAsc)
          .refresh(VariableRefresh.OnTimeRangeChanged),
      )
      .withVariable(
        new QueryVariableBuilder('instance')
          .label('Instance (replica)')
          .description('Every panel sums over the replicas chosen here.')
          .datasource(PROMETHEUS)
          .query(`label_values(${METRICS.overrideRejections}{job=~"$service"}, instance)`)
          .definition(`label_values(${METRICS.overrideRejections}{job=~"$service"}, instance)`)
          .includeAll(true)
          .allValue('.*')
          .multi(true)
          .sort(VariableSort.AlphabeticalAsc)
          .refresh(VariableRefresh.OnTimeRangeChanged),
      )
      .withVariable(
        new QueryVariableBuilder('client')
          .label('Client')
          .description('Applies to the panels whose metrics carry a client; the others say "all clients".')
          .datasource(PROMETHEUS)
          .query(`label_values(${METRICS.interceptions}{job=~"$service", instance=~"$instance"}, aibridge_client)`)
          .definition(`label_values(${METRICS.interceptions}{job=~"$service", instance=~"$instance"}, aibridge_client)`)
          .includeAll(true)
          .allValue('.*')
          .multi(true)
          .sort(VariableSort.AlphabeticalAsc)
          .refresh(VariableRefresh.OnTimeRangeChanged),
      )
      .withVariable(new DatasourceVariableBuilder('jaeger').label('Jaeger').type('jaeger'))
      .withVariable(
        new TextBoxVariableBuilder('jaeger_url')
          .label('Jaeger UI')
          .description('Where the links open Jaeger; the Jaeger datasource above answers the traces panel.')
          .defaultValue('http://localhost:16686'),
      )
      .withVariable(
        new QueryVariableBuilder('jaeger_service')
          .label('Traced service (service.name)')
          .description(
            'The service.name of the gateways chosen above, from target_info: the service Jaeger knows them by.',
          )
          .datasource(PROMETHEUS)
          // Scraped directly, target_info carries service_name; behind a collector, the job is the
          // service name (with its namespace before a slash).
          .query(
            'query_result(group by (service_name) (target_info{job=~"$service", instance=~"$instance", service_name!=""}) or group by (service_name) (label_replace(target_info{job=~"$service", instance=~"$instance", service_name=""}, "service_name", "$1", "job", "(?:.*/)?(.+)")))',
          )
          .definition('service.name of the chosen gateways, from target_info')
          .regex('/service_name="([^"]+)"/')
          .sort(VariableSort.AlphabeticalAsc)
          .refresh(VariableRefresh.OnTimeRangeChanged),
      )
      .withVariable(
        new TextBoxVariableBuilder('enduser')
          .label('enduser.id to find in traces')
          .description(
            'A user, a credential initiator or a key fingerprint; the "traces of enduser.id" link searches it.',
          )
          .defaultValue(''),
      )
      .link(
        link(
          'Jaeger: interceptions attributed through the owner header',
          jaegerSearch([['initiator.override', 'true']]),
        ),
      )
      .link(
        link(
          'Jaeger: untrusted delegations (credential_not_trusted)',
          jaegerSearch([['initiator.override.rejected_reason', 'credential_not_trusted']]),
        ),
      )
      .link(link('Jaeger: traces of the enduser.id above', jaegerSearch([['enduser.id', variable('enduser')]])))
      .link(link('Runbooks', options.runbookUrl))

      .withRow(new RowBuilder('At a glance').id(id()))
      .withPanel(
        stat(
          'Untrusted delegations',
          'Owner headers refused credential_not_trusted in the time range: a request tried to act for another user with no credential allowed to delegate. With a credential the gateway accepted, someone who can call the models tried it (this pages at once); without one, anyone could have sent it.',
          'short',
        )
          .decimals(0)
          .withTarget(instant(QUERIES.untrustedDelegationsAuthenticated, 'working credential', 'A'))
          .withTarget(instant(QUERIES.untrustedDelegationsUnauthenticated, 'anonymous or refused key', 'B'))
          .thresholds(steps({ value: null, color: 'green' }, { value: 1, color: 'orange' }))
          .overrideByName('working credential', [
            thresholdsOf({ value: null, color: 'green' }, { value: 1, color: 'red' }),
          ])
          .links([runbook('AIBridgeAuthenticatedCredentialNotTrusted'), runbook('AIBridgeCredentialNotTrusted')]),
      )
      .withPanel(
        stat(
          'Owner headers refused',
          'Owner headers refused for another reason in the time range: client_not_allowed, invalid_format, multiple_values. A few come from misconfigured tools; a burst is a warning.',
          'short',
        )
          .decimals(0)
          .withTarget(instant(QUERIES.refusedOwnerHeaders, 'refused'))
          .thresholds(steps({ value: null, color: 'green' }, { value: 1, color: 'orange' }))
          .links([runbook('AIBridgeOwnerHeaderRejectionBurst')]),
      )
      .withPanel(
        stat(
          'Resolver errors',
          'In the time range, all clients. Outages: a resolver could not answer (key set unreachable, module timing out or throwing), so credentials fell back to their fingerprints. Credentials refused: expired or invalid tokens, which users cause every day.',
          'short',
        )
          .decimals(0)
          .withTarget(instant(QUERIES.resolverOutages, 'outages', 'A'))
          .withTarget(instant(QUERIES.resolverRefusals, 'credentials refused', 'B'))
          .thresholds(steps({ value: null, color: 'green' }, { value: 1, color: 'red' }))
          .overrideByName('credentials refused', [colorOf('text')])
          .links([runbook('AIBridgeResolverUnavailable')]),
      )
      .withPanel(
        stat(
          'Share through the owner header',
          'Of the interceptions in the time range, the share attributed to the user an owner header named. Neither good nor bad: a change in it is what to notice.',
          'percentunit',
        )
          .withTarget(instant(QUERIES.ownerHeaderShareInRange, 'share'))
          .colorScheme(fixedColor('blue'))
          .noValue('no interceptions'),
      )
      .withPanel(
        stat('Interceptions per second', 'All interceptions now, over the chosen replicas.', 'reqps')
          .withTarget(query(QUERIES.interceptionsPerSecond, 'interceptions/s'))
          .graphMode(BigValueGraphMode.Area)
          .colorScheme(fixedColor('blue')),
      )
      .withPanel(
        stat(
          'p95 duration',
          'Interception duration now, request to the end of the response, streams included (all clients). Orange from 2 minutes; red at 300 s, the top bucket, where the quantile only says "at least".',
          's',
        )
          .withTarget(query(QUERIES.durationP95Now, 'p95'))
          .graphMode(BigValueGraphMode.Area)
          .thresholds(
            steps({ value: null, color: 'green' }, { value: 120, color: 'orange' }, { value: 300, color: 'red' }),
          )
          .noValue('no interceptions'),
      )

      .withRow(new RowBuilder('Owner headers and resolvers').id(id()))
      .withPanel(
        timeseries(
          'Owner headers refused per 5 minutes, by reason and client',
          `Owner headers present but not applied, in the unit of the alerts. The dashed line is the burst alert's threshold (${BURST_THRESHOLD} from one client in 5 minutes, credential_not_trusted aside, which alerts on its own). Click a series to search its traces in Jaeger.`,
          'short',
        )
          .withTarget(query(QUERIES.rejectionsPer5mByReasonAndClient, '{{reason}} · {{aibridge_client}}'))
          .thresholds(steps({ value: null, color: 'green' }, { value: BURST_THRESHOLD, color: 'red' }))
          .thresholdsStyle(new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.Dashed))
          .dataLinks([link('Jaeger: these refusals', rejectedTraces(variable('__field.labels.reason')))])
          .links([runbook('AIBridgeOwnerHeaderRejectionBurst'), runbook('AIBridgeCredentialNotTrusted')]),
      )
      .withPanel(
        timeseries(
          'Untrusted delegations per 5 minutes, by authentication and client',
          'credential_not_trusted refusals by what the request authenticated with: accepted (a credential the gateway took: pages at once), refused (a key the gateway answered 401 or 403 to) or none. Click a series to search its traces in Jaeger.',
          'short',
        )
          .withTarget(query(QUERIES.untrustedDelegationsPer5m, '{{initiator_authentication}} · {{aibridge_client}}'))
          .dataLinks([link('Jaeger: these refusals', rejectedTraces('credential_not_trusted'))])
          .links([runbook('AIBridgeAuthenticatedCredentialNotTrusted'), runbook('AIBridgeCredentialNotTrusted')]),
      )
      .withPanel(
        timeseries(
          'Resolver errors per 5 minutes (all clients)',
          'Credentials a resolver knew but could not vouch for (expired, invalid), and resolvers that could not answer (jwks_unavailable, timeout, error). This metric has no client label.',
          'short',
        )
          .withTarget(query(QUERIES.resolverErrorsPer5m, '{{resolver}}: {{reason}}'))
          .links([runbook('AIBridgeResolverUnavailable')]),
      )
      .withPanel(
        stat(
          'Credentials file, by instance (all clients)',
          'Whether each replica resolves with the credentials file on disk. "failed": the file changed into something that cannot be loaded, and the replica keeps the previous version.',
          'none',
        )
          .span(12)
          .height(8)
          .withTarget(query(QUERIES.credentialsFileReloadFailed, '{{instance}}'))
          .mappings([
            {
              type: MappingType.ValueToText,
              options: {
                '0': { text: 'loaded', color: 'green', index: 0 },
                '1': { text: 'failed: previous version in use', color: 'red', index: 1 },
              },
            },
          ])
          .thresholds(steps({ value: null, color: 'green' }, { value: 1, color: 'red' }))
          .noValue('no credentials file')
          .links([runbook('AIBridgeCredentialsFileReloadFailed')]),
      )

      .withRow(new RowBuilder('Traffic').id(id()))
      .withPanel(
        timeseries(
          'Interceptions by status class',
          'Interceptions per second by the status code the gateway answered with.',
          'reqps',
        )
          .withTarget(query(QUERIES.interceptionsByStatusClass, '{{status_class}}'))
          .overrideByName('2xx', [colorOf('green')])
          .overrideByName('4xx', [colorOf('orange')])
          .overrideByName('5xx', [colorOf('red')]),
      )
      .withPanel(
        timeseries(
          'Interceptions by client and provider',
          'Interceptions per second by detected client and API shape.',
          'reqps',
        ).withTarget(query(QUERIES.interceptionsByClientAndProvider, '{{aibridge_client}} · {{gen_ai_provider_name}}')),
      )
      .withPanel(
        timeseries(
          'Interceptions by override',
          'Interceptions per second, split by whether the owner header decided the initiator.',
          'reqps',
        )
          .span(8)
          .withTarget(query(QUERIES.interceptionsByOverride, 'override={{initiator_override}}')),
      )
      .withPanel(
        timeseries(
          'Interceptions by source',
          'Interceptions per second by how the initiator was decided: owner_header, credential or none.',
          'reqps',
        )
          .span(8)
          .withTarget(query(QUERIES.interceptionsBySource, '{{initiator_source}}')),
      )
      .withPanel(
        timeseries(
          'Active interceptions (all clients)',
          'Interceptions in flight (request received, response not yet closed), by provider. This metric has no client label.',
          'short',
        )
          .span(8)
          .withTarget(query(QUERIES.activeInterceptions, '{{gen_ai_provider_name}}')),
      )
      .withPanel(
        timeseries(
          'Interception duration p50 / p95 (all clients)',
          'From request to the end of the response (streams included), with and without the owner header. This metric has no client label.',
          's',
        )
          .span(24)
          .withTarget(query(QUERIES.durationQuantile(0.5), 'p50 override={{initiator_override}}'))
          .withTarget(query(QUERIES.durationQuantile(0.95), 'p95 override={{initiator_override}}', 'B')),
      )

      .withRow(new RowBuilder('Tokens').id(id()))
      .withPanel(
        timeseries(
          'Tokens by initiator source',
          'Tokens per second, as the responses reported them, by how the initiator was decided.',
          'short',
        )
          .axisLabel('tokens/s')
          .withTarget(query(QUERIES.tokensBySource, '{{initiator_source}}')),
      )
      .withPanel(
        stat(
          'Share of tokens through the owner header',
          'Of the tokens in the time range, the share used by interceptions whose initiator came from an owner header.',
          'percentunit',
        )
          .height(8)
          .withTarget(instant(QUERIES.ownerHeaderTokenShareInRange, 'share'))
          .colorScheme(fixedColor('blue'))
          .noValue('no tokens'),
      )
      .withPanel(
        timeseries(
          'Tokens by type',
          'Tokens per second by type: uncached input, cache reads, cache writes, output. They add up to the total.',
          'short',
        )
          .span(8)
          .axisLabel('tokens/s')
          .withTarget(query(QUERIES.tokensByType, '{{gen_ai_token_type}}')),
      )
      .withPanel(
        timeseries('Tokens by client', 'Tokens per second by detected client.', 'short')
          .axisLabel('tokens/s')
          .withTarget(query(QUERIES.tokensByClient, '{{aibridge_client}}')),
      )
      .withPanel(
        timeseries(
          'Tokens by model',
          'Tokens per second by the model the responses named (the first 100 models of each replica; later ones as _OTHER).',
          'short',
        )
          .axisLabel('tokens/s')
          .withTarget(query(QUERIES.tokensByModel, '{{gen_ai_response_model}}')),
      )
      .withPanel(
        timeseries(
          'Usage unavailable, share of successful interceptions, by reason',
          `Successful interceptions whose usage could not be read from the response: missing (not sent, e.g. a stream without include_usage), truncated, malformed, encoded, too_large. The dashed line is the usage alert's threshold (${USAGE_UNAVAILABLE_THRESHOLD * 100}% over 15 minutes).`,
          'percentunit',
        )
          .span(24)
          .withTarget(query(QUERIES.usageUnavailableShareByReason, '{{reason}}'))
          .thresholds(steps({ value: null, color: 'green' }, { value: USAGE_UNAVAILABLE_THRESHOLD, color: 'red' }))
          .thresholdsStyle(new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.Dashed))
          .links([runbook('AIBridgeUsageUnavailable')]),
      )

      .withRow(new RowBuilder('Traces').id(id()))
      .withPanel(
        new TablePanelBuilder()
          .id(id())
          .title('Traces with a refused owner header (Jaeger)')
          .description(
            'The latest traces of the traced service with a refused owner header, from the Jaeger datasource, in the time range. Sampling keeps them whatever the trace sampler says (AIBRIDGE_ALWAYS_SAMPLE). Per-user views belong to traces: metrics never carry user IDs.',
          )
          .datasource(JAEGER)
          .height(10)
          .span(24)
          .targets(
            REJECTION_REASONS.map((reason, index) =>
              jaegerQuery(String.fromCharCode(65 + index), `initiator.override.rejected_reason=${reason}`),
            ),
          )
          // One table of every reason's traces rather than one per query.
          .withTransformation({ id: 'merge', options: {} })
          .noValue('no refused owner header in the time range'),
      )
      .build()
  );
}
