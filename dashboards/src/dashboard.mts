import {
  DashboardBuilder,
  DashboardLinkBuilder,
  DashboardLinkType,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  RowBuilder,
  TextBoxVariableBuilder,
  VariableRefresh,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanelBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TextPanelBuilder } from '@grafana/grafana-foundation-sdk/text';
import { PanelBuilder as TimeseriesPanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import { REJECTION_REASONS } from 'aibridge-initiator-otel';
import { METRICS, QUERIES } from './queries.mts';

const PROMETHEUS = { type: 'prometheus', uid: '${datasource}' };

const query = (expr: string, legend: string, refId = 'A') =>
  new DataqueryBuilder().datasource(PROMETHEUS).expr(expr).legendFormat(legend).refId(refId);

// Panel ids in order of appearance: Grafana keys panel state and links on them.
let nextId = 0;
const id = () => ++nextId;

const timeseries = (title: string, description: string, unit: string) =>
  new TimeseriesPanelBuilder()
    .id(id())
    .title(title)
    .description(description)
    .datasource(PROMETHEUS)
    .unit(unit)
    .min(0)
    .height(8)
    .span(12);

// Jaeger's search page, by tag: Grafana links open it in the Jaeger UI the datasource points at.
const jaegerSearch = (tags: string) =>
  `\${jaeger_url}/search?service=\${service_name}&tags=${encodeURIComponent(tags)}`;

/** The dashboard, built with Grafana's typed builders. */
export function buildDashboard() {
  nextId = 0;
  return new DashboardBuilder('AI Bridge: interceptions by initiator')
    .uid('aibridge-initiators')
    .tags(['aibridge', 'opentelemetry'])
    .description(
      'Who AI gateway interceptions are attributed to, how many used the X-Coder-Owner-Id header, and the owner headers refused.',
    )
    .refresh('30s')
    .time({ from: 'now-1h', to: 'now' })
    .timezone('browser')
    .withVariable(new DatasourceVariableBuilder('datasource').label('Prometheus').type('prometheus'))
    .withVariable(
      new QueryVariableBuilder('service')
        .label('Service (scrape job)')
        .datasource(PROMETHEUS)
        .query(`label_values(${METRICS.interceptions}, job)`)
        .definition(`label_values(${METRICS.interceptions}, job)`)
        .includeAll(true)
        .allValue('.*')
        .multi(true)
        .refresh(VariableRefresh.OnDashboardLoad),
    )
    .withVariable(
      new QueryVariableBuilder('client')
        .label('Client')
        .datasource(PROMETHEUS)
        .query(`label_values(${METRICS.interceptions}{job=~"$service"}, aibridge_client)`)
        .definition(`label_values(${METRICS.interceptions}{job=~"$service"}, aibridge_client)`)
        .includeAll(true)
        .allValue('.*')
        .multi(true)
        .refresh(VariableRefresh.OnDashboardLoad),
    )
    .withVariable(new TextBoxVariableBuilder('jaeger_url').label('Jaeger UI').defaultValue('http://localhost:16686'))
    .withVariable(
      new TextBoxVariableBuilder('service_name')
        .label('Traced service (service.name)')
        .defaultValue('aibridge-demo-gateway'),
    )
    .withVariable(new TextBoxVariableBuilder('enduser').label('enduser.id to find in traces').defaultValue(''))
    .link(
      new DashboardLinkBuilder('Jaeger: interceptions attributed through the owner header')
        .type(DashboardLinkType.Link)
        .url(jaegerSearch('{"initiator.override":"true"}'))
        .targetBlank(true),
    )
    .link(
      new DashboardLinkBuilder('Jaeger: traces of enduser.id')
        .type(DashboardLinkType.Link)
        .url(jaegerSearch('{"enduser.id":"${enduser}"}'))
        .targetBlank(true),
    )
    .withRow(new RowBuilder('Interceptions').id(id()))
    .withPanel(
      timeseries(
        'Interceptions by override',
        'Interceptions per second, split by whether the owner header decided the initiator.',
        'reqps',
      ).withTarget(query(QUERIES.interceptionsByOverride, 'override={{initiator_override}}')),
    )
    .withPanel(
      timeseries(
        'Interceptions by source',
        'Interceptions per second by how the initiator was decided: owner_header, credential or none.',
        'reqps',
      ).withTarget(query(QUERIES.interceptionsBySource, '{{initiator_source}}')),
    )
    .withPanel(
      new StatPanelBuilder()
        .id(id())
        .title('Share attributed through the owner header')
        .description('Of all interceptions, the share whose initiator came from X-Coder-Owner-Id.')
        .datasource(PROMETHEUS)
        .unit('percentunit')
        .height(8)
        .span(6)
        .withTarget(query(QUERIES.ownerHeaderShare, 'share')),
    )
    .withPanel(
      timeseries(
        'Interceptions by client and provider',
        'Interceptions per second by detected client and API shape.',
        'reqps',
      )
        .span(18)
        .withTarget(query(QUERIES.interceptionsByClientAndProvider, '{{aibridge_client}} / {{gen_ai_provider_name}}')),
    )
    .withRow(new RowBuilder('Tokens').id(id()))
    .withPanel(
      timeseries(
        'Tokens by initiator source',
        'Tokens per second, as the responses reported them, by how the initiator was decided.',
        'short',
      ).withTarget(query(QUERIES.tokensBySource, '{{initiator_source}}')),
    )
    .withPanel(
      new StatPanelBuilder()
        .id(id())
        .title('Share of tokens through the owner header')
        .description('Of all tokens, the share used by interceptions whose initiator came from X-Coder-Owner-Id.')
        .datasource(PROMETHEUS)
        .unit('percentunit')
        .height(8)
        .span(6)
        .withTarget(query(QUERIES.ownerHeaderTokenShare, 'share')),
    )
    .withPanel(
      timeseries(
        'Tokens by type',
        'Tokens per second by type: uncached input, cache reads, cache writes, output. They add up to the total.',
        'short',
      )
        .span(6)
        .withTarget(query(QUERIES.tokensByType, '{{gen_ai_token_type}}')),
    )
    .withPanel(
      timeseries('Tokens by client', 'Tokens per second by detected client.', 'short').withTarget(
        query(QUERIES.tokensByClient, '{{aibridge_client}}'),
      ),
    )
    .withPanel(
      timeseries(
        'Tokens by model',
        'Tokens per second by the model the responses named (the first 100 models; later ones as _OTHER).',
        'short',
      ).withTarget(query(QUERIES.tokensByModel, '{{gen_ai_response_model}}')),
    )
    .withPanel(
      timeseries(
        'Active interceptions',
        'Interceptions in flight (request received, response not yet closed), by provider.',
        'short',
      ).withTarget(query(QUERIES.activeInterceptions, '{{gen_ai_provider_name}}')),
    )
    .withPanel(
      timeseries(
        'Usage unavailable by reason',
        'Successful interceptions whose usage could not be read from the response, per second: missing (not sent, e.g. a stream without include_usage), truncated, malformed, encoded, too_large.',
        'reqps',
      ).withTarget(query(QUERIES.usageUnavailableByReason, '{{reason}}')),
    )
    .withRow(new RowBuilder('Owner header rejections and resolvers').id(id()))
    .withPanel(
      timeseries(
        'Owner-header rejections by reason and client',
        'Owner headers present but not applied, per second. A burst, or any credential_not_trusted, suggests spoofing.',
        'reqps',
      ).withTarget(query(QUERIES.rejectionsByReasonAndClient, '{{reason}} ({{aibridge_client}})')),
    )
    .withPanel(
      timeseries(
        'Resolver errors',
        'Credentials a resolver knew but could not vouch for (expired or invalid JWT, resolver error or timeout).',
        'reqps',
      ).withTarget(query(QUERIES.resolverErrors, '{{resolver}}: {{reason}}')),
    )
    .withRow(new RowBuilder('Duration').id(id()))
    .withPanel(
      timeseries(
        'Interception duration p50 / p95',
        'From request to the end of the response (streams included), with and without the owner header.',
        's',
      )
        .span(24)
        .withTarget(query(QUERIES.durationQuantile(0.5), 'p50 override={{initiator_override}}'))
        .withTarget(query(QUERIES.durationQuantile(0.95), 'p95 override={{initiator_override}}', 'B')),
    )
    .withRow(new RowBuilder('Traces').id(id()))
    .withPanel(
      new TextPanelBuilder()
        .id(id())
        .title('Find the traces')
        .height(6)
        .span(24)
        .content(
          [
            'Per-user views belong to traces: metrics never carry user IDs.',
            '',
            `- [Interceptions attributed through the owner header](${jaegerSearch('{"initiator.override":"true"}')}) (tag \`initiator.override=true\`)`,
            `- [Traces of enduser.id \`\${enduser}\`](${jaegerSearch('{"enduser.id":"${enduser}"}')}) (set the variable above)`,
            `- Refused owner headers: ${REJECTION_REASONS.map((reason) => `[${reason}](${jaegerSearch(`{"initiator.override.rejected_reason":"${reason}"}`)})`).join(', ')}`,
          ].join('\n'),
        ),
    )
    .build();
}
