import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildAlertRules, type AlertRule } from '../../dashboards/src/alerts.mts';
import { DASHBOARD_UID, DEFAULT_OPTIONS, headingAnchor } from '../../dashboards/src/options.mts';
import { REPO_ROOT } from '../support/gateway-process';
import { readDashboard } from './grafana';

const committed = parse(readFileSync(join(REPO_ROOT, 'dashboards/prometheus/alerts.yml'), 'utf8')) as {
  groups: { rules: AlertRule[] }[];
};
const rules = committed.groups.flatMap((group) => group.rules);
const names = [...new Set(rules.map((rule) => rule.alert))];
const runbooks = readFileSync(join(REPO_ROOT, 'docs/runbooks.md'), 'utf8');
const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  version: string;
  files: string[];
};

/** The labels an alert carries from its expression: those it aggregates by. */
const groupedBy = (expr: string) =>
  [...expr.matchAll(/\b(?:sum|max) by \(([^)]*)\)/g)].flatMap(([, labels]) => labels!.split(',').map((l) => l.trim()));
const minutes = (duration: string | undefined) => (duration === undefined ? 0 : Number(/^(\d+)m$/.exec(duration)?.[1]));

describe('the alerting rules', () => {
  it('cover the owner-header signals, usage, and the monitoring itself', () => {
    expect(names).toEqual([
      'AIBridgeOwnerHeaderRejectionBurst',
      'AIBridgeCredentialNotTrusted',
      'AIBridgeAuthenticatedCredentialNotTrusted',
      'AIBridgeUsageUnavailable',
      'AIBridgeMetricsAbsent',
      'AIBridgeResolverUnavailable',
      'AIBridgeCredentialsFileReloadFailed',
    ]);
  });

  it('page only for what an anonymous caller cannot produce at will: a lasting signal, or a credential the gateway accepted', () => {
    for (const rule of rules.filter((r) => r.labels.severity === 'critical')) {
      const lasting = minutes(rule.for) >= 15;
      const authenticated = rule.expr.includes('initiator_authentication="accepted"');
      expect(lasting || authenticated, `${rule.alert}: ${rule.expr}`).toBe(true);
    }
    // Every refusal credential_not_trusted is alerted on: those of accepted credentials by one rule,
    // all others by the other, so that no event raises both.
    const untrusted = rules.filter((r) => r.expr.includes('reason="credential_not_trusted"'));
    expect(untrusted.map((r) => [r.alert, r.labels.severity, r.for ?? '0'])).toEqual([
      ['AIBridgeCredentialNotTrusted', 'warning', '0'],
      ['AIBridgeCredentialNotTrusted', 'critical', '15m'],
      ['AIBridgeAuthenticatedCredentialNotTrusted', 'critical', '0'],
    ]);
    for (const rule of untrusted)
      expect(rule.expr).toMatch(
        rule.alert === 'AIBridgeAuthenticatedCredentialNotTrusted'
          ? /initiator_authentication="accepted"/
          : /initiator_authentication!="accepted"/,
      );
    // The burst alert leaves credential_not_trusted to those.
    const burst = rules.find((r) => r.alert === 'AIBridgeOwnerHeaderRejectionBurst')!;
    expect(burst.expr).toContain('reason!="credential_not_trusted"');
  });

  it('sum each replica’s increase: per-series functions first, aggregation over instances after', () => {
    for (const rule of rules) {
      for (const match of rule.expr.matchAll(/increase\(([^()]*)\)/g))
        expect(match[1], rule.alert).toMatch(/^aibridge_[a-z_]+(\{[^{}]*\})?\[\d+m\]$/);
      if (rule.expr.includes('increase(')) expect(rule.expr, rule.alert).toMatch(/^sum by \(job\b/);
      // Only an alert about one replica keeps the instance.
      expect(groupedBy(rule.expr).includes('instance'), rule.alert).toBe(
        rule.alert === 'AIBridgeCredentialsFileReloadFailed',
      );
    }
  });

  it('link to their runbook: docs/runbooks.md as the published package serves it, one section per alert', () => {
    expect(runbooks.startsWith('# Runbooks\n')).toBe(true);
    const headings = [...runbooks.matchAll(/^## (.+)$/gm)].map(([, heading]) => heading!.trim());
    expect(headings).toEqual(names);
    // Each alert's section says something, not only its name.
    for (const section of runbooks.split(/^## .+$/m).slice(1)) expect(section.trim().length).toBeGreaterThan(100);
    expect(DEFAULT_OPTIONS.runbookUrl).toBe(
      `https://unpkg.com/aibridge-initiator-otel@${manifest.version}/docs/runbooks.md`,
    );
    expect(manifest.files).toContain('docs');
    for (const rule of rules) {
      expect(rule.annotations.runbook_url).toBe(`${DEFAULT_OPTIONS.runbookUrl}#${headingAnchor(rule.alert)}`);
      expect(headingAnchor(rule.alert)).toBe(rule.alert.toLowerCase());
    }
  });

  it('link to the dashboard narrowed by their own labels, to variables the dashboard has', () => {
    const variables = new Set(readDashboard().templating.list.map((v) => v.name));
    for (const rule of rules) {
      const url = rule.annotations.dashboard_url;
      expect(url.startsWith(`${DEFAULT_OPTIONS.grafanaUrl}/d/${DASHBOARD_UID}?`), rule.alert).toBe(true);
      const filled = [...url.matchAll(/var-(\w+)=\{\{ \$labels\.(\w+) \| urlquery \}\}/g)];
      for (const [, variable, label] of filled) {
        expect(variables.has(variable!), `${rule.alert}: ${variable}`).toBe(true);
        expect(groupedBy(rule.expr), `${rule.alert}: ${label}`).toContain(label);
      }
      // Every label the alert has that the dashboard can filter by is filled in.
      const filterable = groupedBy(rule.expr).filter((l) => ['job', 'instance', 'aibridge_client'].includes(l));
      expect(filled.map(([, , label]) => label).sort(), rule.alert).toEqual([...new Set(filterable)].sort());
    }
  });

  it('take the runbook page, Grafana and the gateways’ jobs from the generator options', () => {
    const options = {
      grafanaUrl: 'https://grafana.example.com',
      runbookUrl: 'https://wiki.example.com/ai-gateway',
      gatewayJobs: 'ai-gateway-.*',
    };
    const built = buildAlertRules(options).groups.flatMap((group) => group.rules);
    for (const rule of built) {
      expect(rule.annotations.runbook_url).toBe(`https://wiki.example.com/ai-gateway#${rule.alert.toLowerCase()}`);
      expect(rule.annotations.dashboard_url.startsWith('https://grafana.example.com/d/aibridge-initiators?')).toBe(
        true,
      );
    }
    expect(built.find((r) => r.alert === 'AIBridgeMetricsAbsent')!.expr).toContain('job=~"ai-gateway-.*"');
  });
});
