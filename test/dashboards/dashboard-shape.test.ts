import { describe, expect, it } from 'vitest';
import { PROMETHEUS_METRIC_NAMES } from 'aibridge-initiator-otel';
import { hasClient, METRIC_LABELS } from '../../dashboards/src/queries.mts';
import { readDashboard, type Panel } from './grafana';

const dashboard = readDashboard();
const panels = dashboard.panels.filter((p) => p.type !== 'row');
const prometheusPanels = panels.filter((p) => p.datasource?.type === 'prometheus');
const targetsOf = (panel: Panel) =>
  (panel.targets ?? []) as { expr: string; instant?: boolean; legendFormat?: string }[];
const exprs = prometheusPanels.flatMap((p) => targetsOf(p).map((t) => ({ panel: p.title, expr: t.expr })));
const byTitle = (title: string) => {
  const panel = panels.find((p) => p.title === title);
  if (panel === undefined) throw new Error(`no panel "${title}"`);
  return panel;
};
const metricsIn = (expr: string) => Object.values(PROMETHEUS_METRIC_NAMES).filter((name) => expr.includes(`${name}{`));

/** The text of the call that opens at `open` (the index of its opening parenthesis). */
function argumentAt(expr: string, open: number): string {
  let depth = 0;
  for (let i = open; i < expr.length; i++) {
    if (expr[i] === '(') depth++;
    else if (expr[i] === ')' && --depth === 0) return expr.slice(open + 1, i);
  }
  throw new Error(`unbalanced: ${expr}`);
}

/** The functions and aggregations enclosing position `at`, innermost first (`by (...)` groupings skipped). */
function enclosing(expr: string, at: number): string[] {
  const calls: string[] = [];
  let depth = 0;
  for (let i = at - 1; i >= 0; i--) {
    if (expr[i] === ')') depth++;
    else if (expr[i] === '(') {
      if (depth > 0) {
        depth--;
        continue;
      }
      const before = expr.slice(0, i).trimEnd();
      const name = /([a-z_]+)$/.exec(before)?.[1] ?? '';
      // `sum by (x) (...)`: the call's name sits before its grouping.
      const grouped = /([a-z_]+)\s+(?:by|without)\s*\([^()]*\)$/.exec(before)?.[1];
      calls.push(grouped ?? name);
    }
  }
  return calls;
}

describe('the dashboard', () => {
  it('opens on what on-call reads first: a row of stats, then owner headers and resolvers', () => {
    const titles = dashboard.panels.map((p) => p.title);
    expect(titles.slice(0, 7)).toEqual([
      'At a glance',
      'Untrusted delegations',
      'Owner headers refused',
      'Resolver errors',
      'Share through the owner header',
      'Interceptions per second',
      'p95 duration',
    ]);
    expect(titles[7]).toBe('Owner headers and resolvers');
    expect(titles).toEqual(
      expect.arrayContaining([
        'Owner headers refused per 5 minutes, by reason and client',
        'Untrusted delegations per 5 minutes, by authentication and client',
        'Resolver errors per 5 minutes (all clients)',
        'Credentials file, by instance (all clients)',
        'Interceptions by status class',
        'Interceptions by client and provider',
        'Interceptions by override',
        'Interceptions by source',
        'Active interceptions (all clients)',
        'Interception duration p50 / p95 (all clients)',
        'Tokens by initiator source',
        'Share of tokens through the owner header',
        'Tokens by type',
        'Tokens by client',
        'Tokens by model',
        'Usage unavailable, share of successful interceptions, by reason',
        'Traces with a refused owner header (Jaeger)',
      ]),
    );
  });

  it('is read-only, as provisioned dashboards should be, with a shared crosshair', () => {
    expect(dashboard.editable).toBe(false);
    expect(dashboard.graphTooltip).toBe(1);
  });

  it('every time series shows its legend, as a table with mean, max and last, and every series in its tooltip', () => {
    const series = panels.filter((p) => p.type === 'timeseries');
    expect(series.length).toBeGreaterThanOrEqual(14);
    for (const panel of series) {
      const legend = panel.options?.legend as Record<string, unknown>;
      expect(legend, panel.title).toMatchObject({ showLegend: true, displayMode: 'table' });
      expect(legend.calcs, panel.title).toEqual(expect.arrayContaining(['mean', 'max', 'lastNotNull']));
      expect(panel.options?.tooltip, panel.title).toMatchObject({ mode: 'multi' });
      for (const target of targetsOf(panel)) expect(target.legendFormat, panel.title).toMatch(/\{\{\w+\}\}/);
    }
  });

  it('has variables for datasource, service, instance and client, refreshed with the time range', () => {
    const variables = Object.fromEntries(dashboard.templating.list.map((v) => [v.name, v]));
    expect(dashboard.templating.list.map((v) => [v.name, v.type])).toEqual([
      ['datasource', 'datasource'],
      ['service', 'query'],
      ['instance', 'query'],
      ['client', 'query'],
      ['jaeger', 'datasource'],
      ['jaeger_url', 'textbox'],
      ['jaeger_service', 'query'],
      ['enduser', 'textbox'],
    ]);
    for (const variable of dashboard.templating.list.filter((v) => v.type === 'query')) {
      expect(variable.refresh, variable.name).toBe(2);
      expect(variable.datasource?.uid, variable.name).toBe('${datasource}');
    }
    for (const name of ['service', 'instance', 'client']) {
      expect(variables[name]).toMatchObject({ multi: true, includeAll: true, allValue: '.*' });
    }
    expect(String(variables.instance!.query)).toContain('{job=~"$service"}');
    // Jaeger searches one service: the traced name of the gateways chosen, not a free text.
    expect(variables.jaeger_service).toMatchObject({ multi: false, includeAll: false });
    expect(String(variables.jaeger_service!.query)).toContain('target_info{job=~"$service", instance=~"$instance"');
  });

  it('hard-codes no datasource: every panel and query uses a variable', () => {
    for (const panel of panels) {
      expect(panel.datasource?.uid, panel.title).toMatch(/^\$\{(datasource|jaeger)\}$/);
      for (const target of panel.targets ?? [])
        expect((target.datasource as { uid?: string } | undefined)?.uid, panel.title).toBe(panel.datasource?.uid);
    }
    expect(panels.some((p) => p.datasource?.type === 'jaeger')).toBe(true);
  });

  it('queries every metric the plugin exports, by its exported name', () => {
    for (const name of Object.values(PROMETHEUS_METRIC_NAMES))
      expect(
        exprs.some(({ expr }) => expr.includes(name)),
        name,
      ).toBe(true);
    expect(Object.keys(METRIC_LABELS).sort()).toEqual(Object.values(PROMETHEUS_METRIC_NAMES).sort());
  });

  it('filters every series by service and instance, and by client only where the metric has one', () => {
    for (const { panel, expr } of exprs) {
      const selectors = [...expr.matchAll(/(aibridge_[a-z_]+)\{([^}]*)\}/g)];
      expect(selectors.length, panel).toBeGreaterThan(0);
      for (const [, metric, matchers] of selectors) {
        expect(matchers, `${panel}: ${metric}`).toMatch(/^job=~"\$service", instance=~"\$instance"/);
        expect(matchers!.includes('aibridge_client=~"$client"'), `${panel}: ${metric}`).toBe(hasClient(metric!));
      }
    }
  });

  it('says "all clients" on every panel whose metrics have no client, since the client filter cannot apply', () => {
    for (const panel of prometheusPanels) {
      const metrics = targetsOf(panel).flatMap((t) => metricsIn(t.expr));
      if (metrics.every(hasClient)) continue;
      expect(`${panel.title} ${panel.description ?? ''}`, panel.title).toMatch(/all clients/);
    }
  });

  it('aggregates over replicas after the per-series functions: sum of rates, never a rate of sums', () => {
    for (const { panel, expr } of exprs) {
      for (const match of expr.matchAll(/\b(rate|increase)\(/g)) {
        const open = match.index + match[1]!.length;
        // The argument is one series selector over the dashboard's window: no aggregation inside.
        expect(argumentAt(expr, open), `${panel}: ${expr}`).toMatch(
          /^aibridge_[a-z_]+\{[^{}()]*\}\[\$__(rate_interval|range)\]$/,
        );
        // And the per-series result is summed (label_replace in between changes no value).
        const outer = enclosing(expr, match.index).filter((call) => call !== 'label_replace');
        expect(outer[0], `${panel}: ${expr}`).toBe('sum');
      }
      // Gauges (in flight, reload state) are summed or maxed over the replicas, never left per series.
      for (const gauge of [
        PROMETHEUS_METRIC_NAMES.interceptionsActive,
        PROMETHEUS_METRIC_NAMES.credentialsFileReloadFailed,
      ]) {
        const at = expr.indexOf(`${gauge}{`);
        if (at !== -1) expect(['sum', 'max'], `${panel}: ${expr}`).toContain(enclosing(expr, at)[0]);
      }
      // A quantile of the fleet: buckets summed by le before histogram_quantile.
      if (expr.includes('histogram_quantile')) expect(expr, panel).toMatch(/histogram_quantile\([\d.]+, sum by \(le\b/);
    }
  });

  it('the stats of the first row count over the time range, or read the current rate, with colours that mean something', () => {
    const inRange = [
      'Untrusted delegations',
      'Owner headers refused',
      'Resolver errors',
      'Share through the owner header',
    ];
    for (const title of inRange) {
      for (const target of targetsOf(byTitle(title))) {
        expect(target.expr, title).toContain('[$__range]');
        expect(target.instant, title).toBe(true);
      }
    }
    const steps = (panel: Panel) =>
      (panel.fieldConfig?.defaults?.thresholds as { steps: { value: number | null; color: string }[] }).steps;
    expect(steps(byTitle('Untrusted delegations'))).toEqual([
      { value: null, color: 'green' },
      { value: 1, color: 'orange' },
    ]);
    // A working credential is the one that pages: red from the first.
    expect(JSON.stringify(byTitle('Untrusted delegations').fieldConfig?.overrides)).toContain('"color":"red"');
    expect(steps(byTitle('Owner headers refused')).at(-1)).toEqual({ value: 1, color: 'orange' });
    expect(steps(byTitle('Resolver errors')).at(-1)).toEqual({ value: 1, color: 'red' });
    expect(steps(byTitle('p95 duration')).map((s) => s.value)).toEqual([null, 120, 300]);
    // A share is neither good nor bad: one colour, and words rather than NaN while there is no traffic.
    for (const title of ['Share through the owner header', 'Share of tokens through the owner header']) {
      const defaults = byTitle(title).fieldConfig?.defaults as Record<string, unknown>;
      expect(defaults.color, title).toMatchObject({ mode: 'fixed' });
      expect(defaults.noValue, title).toMatch(/^no /);
      expect(targetsOf(byTitle(title))[0]!.expr, title).toMatch(/> 0\)$/);
    }
  });

  it('speaks of refusals in the unit of the alerts: counts per 5 minutes, with the burst threshold drawn', () => {
    const panel = byTitle('Owner headers refused per 5 minutes, by reason and client');
    expect(targetsOf(panel)[0]!.expr).toMatch(/^300 \* sum by \(reason, aibridge_client\) \(rate\(/);
    expect(panel.fieldConfig?.defaults?.unit).toBe('short');
    expect(panel.fieldConfig?.defaults?.custom).toMatchObject({ thresholdsStyle: { mode: 'dashed' } });
  });

  it('shows the status codes the gateway answered with, by class', () => {
    const [target] = targetsOf(byTitle('Interceptions by status class'));
    expect(target!.expr).toContain('"http_response_status_code", "([1-5])[0-9][0-9]"');
    expect(target!.legendFormat).toBe('{{status_class}}');
  });
});
