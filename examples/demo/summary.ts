import { PROMETHEUS_METRIC_NAMES } from 'aibridge-initiator-otel';
import type { CollectedSpan } from './collector';
import { sumOf, type Sample } from './prometheus-text';

/** What the exported telemetry says about the interceptions, ready to print. */
export interface Summary {
  readonly byInitiator: readonly { initiator: string; source: string; client: string; override: boolean; count: number }[];
  readonly rejections: readonly { reason: string; client: string; count: number }[];
  readonly resolverErrors: readonly { resolver: string; reason: string; count: number }[];
  readonly totals: { readonly interceptions: number; readonly overrides: number };
  readonly traces: readonly { traceId: string; route: string; client: string; initiator: string; override: boolean; rejected: string; durationMs: number }[];
}

/** Builds the summary from interception server spans (traces) and a Prometheus scrape (metrics). */
export function summarise(interceptions: readonly CollectedSpan[], samples: readonly Sample[]): Summary {
  const groups = new Map<string, { initiator: string; source: string; client: string; override: boolean; count: number }>();
  for (const span of interceptions) {
    const row = {
      initiator: String(span.attributes['enduser.id'] ?? '(none)'),
      source: String(span.attributes['initiator.source']),
      client: String(span.attributes['aibridge.client']),
      override: span.attributes['initiator.override'] === true,
    };
    const key = JSON.stringify(row);
    const group = groups.get(key) ?? { ...row, count: 0 };
    group.count += 1;
    groups.set(key, group);
  }
  const rejections = samples
    // Every reason and client is reported from the start at zero; the summary shows what happened.
    .filter((s) => s.name === PROMETHEUS_METRIC_NAMES.overrideRejections && s.value > 0)
    .map((s) => ({ reason: s.labels.reason ?? '', client: s.labels.aibridge_client ?? '', count: s.value }))
    .sort((a, b) => a.reason.localeCompare(b.reason) || a.client.localeCompare(b.client));
  const resolverErrors = samples
    .filter((s) => s.name === PROMETHEUS_METRIC_NAMES.resolverErrors)
    .map((s) => ({ resolver: s.labels.resolver ?? '', reason: s.labels.reason ?? '', count: s.value }));
  return {
    resolverErrors,
    byInitiator: [...groups.values()].sort((a, b) => Number(b.override) - Number(a.override) || a.client.localeCompare(b.client) || a.initiator.localeCompare(b.initiator)),
    rejections,
    totals: {
      interceptions: sumOf(samples, PROMETHEUS_METRIC_NAMES.interceptions),
      overrides: sumOf(samples, PROMETHEUS_METRIC_NAMES.interceptions, { initiator_override: 'true' }),
    },
    traces: interceptions.map((span) => ({
      traceId: span.traceId,
      route: String(span.attributes['url.path'] ?? span.name),
      client: String(span.attributes['aibridge.client']),
      initiator: String(span.attributes['enduser.id'] ?? '(none)'),
      override: span.attributes['initiator.override'] === true,
      rejected: String(span.attributes['initiator.override.rejected_reason'] ?? ''),
      durationMs: span.durationMs,
    })),
  };
}

/** A Markdown-style table: readable in a terminal, and pasteable. */
export function table(header: readonly string[], rows: readonly (readonly (string | number | boolean)[])[]): string {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: readonly string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(cells[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.slice(1).map(line)].join('\n');
}

export function renderSummary(summary: Summary): string {
  const share = summary.totals.interceptions === 0 ? 0 : Math.round((100 * summary.totals.overrides) / summary.totals.interceptions);
  return [
    `Interceptions by initiator, read back from the exported spans (${summary.traces.length} spans):`,
    '',
    table(
      ['initiator (enduser.id)', 'source', 'client', 'override', 'interceptions'],
      summary.byInitiator.map((r) => [r.initiator, r.source, r.client, r.override, r.count]),
    ),
    '',
    `Owner-header rejections, scraped from the Prometheus endpoint (${PROMETHEUS_METRIC_NAMES.overrideRejections}):`,
    '',
    summary.rejections.length === 0
      ? '(none)'
      : table(['reason', 'client', 'rejections'], summary.rejections.map((r) => [r.reason, r.client, r.count])),
    '',
    `Credentials a resolver could not vouch for (${PROMETHEUS_METRIC_NAMES.resolverErrors}):`,
    '',
    summary.resolverErrors.length === 0
      ? '(none)'
      : table(['resolver', 'reason', 'count'], summary.resolverErrors.map((e) => [e.resolver, e.reason, e.count])),
    '',
    `Prometheus totals: ${summary.totals.interceptions} interceptions, ${summary.totals.overrides} attributed through the owner header (${share}%).`,
    '',
    'Trace IDs:',
    '',
    table(
      ['trace id', 'route', 'client', 'enduser.id', 'override', 'rejected', 'ms'],
      summary.traces.map((t) => [t.traceId, t.route, t.client, t.initiator, t.override, t.rejected, Math.round(t.durationMs)]),
    ),
  ].join('\n');
}
