import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROMETHEUS_METRIC_NAMES } from 'aibridge-initiator-otel';
import { REPO_ROOT } from '../support/gateway-process';

interface Panel {
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string };
  targets?: { expr?: string; datasource?: { uid?: string } }[];
  options?: { content?: string };
}
const dashboard = JSON.parse(readFileSync(join(REPO_ROOT, 'dashboards/aibridge-initiators.json'), 'utf8')) as {
  panels: Panel[];
  templating: { list: { name: string; type: string }[] };
  links: { url: string }[];
};
const panels = dashboard.panels.filter((p) => p.type !== 'row');
const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? ''));

describe('the dashboard', () => {
  it('has the panels operators need', () => {
    expect(panels.map((p) => p.title)).toEqual(
      expect.arrayContaining([
        'Interceptions by override',
        'Interceptions by source',
        'Share attributed through the owner header',
        'Owner-header rejections by reason and client',
        'Interception duration p50 / p95',
        'Interceptions by client and provider',
        'Tokens by initiator source',
        'Share of tokens through the owner header',
        'Tokens by type',
        'Tokens by client',
        'Tokens by model',
        'Active interceptions',
        'Usage unavailable by reason',
        'Find the traces',
      ]),
    );
  });

  it('has variables for datasource, service and client, and for the trace searches', () => {
    expect(dashboard.templating.list.map((v) => [v.name, v.type])).toEqual(
      expect.arrayContaining([
        ['datasource', 'datasource'],
        ['service', 'query'],
        ['client', 'query'],
        ['jaeger_url', 'textbox'],
        ['enduser', 'textbox'],
      ]),
    );
  });

  it('hard-codes no datasource: every panel and query uses ${datasource}', () => {
    for (const panel of panels.filter((p) => p.type !== 'text')) {
      expect(panel.datasource?.uid, panel.title).toBe('${datasource}');
      for (const target of panel.targets ?? []) expect(target.datasource?.uid, panel.title).toBe('${datasource}');
    }
  });

  it('queries the metrics by the names the plugin exports', () => {
    expect(exprs.length).toBeGreaterThanOrEqual(8);
    for (const name of Object.values(PROMETHEUS_METRIC_NAMES)) {
      expect(
        exprs.some((e) => e.includes(name)),
        name,
      ).toBe(true);
    }
    for (const expr of exprs) expect(expr).toMatch(/aibridge_[a-z_]+\{job=~"\$service"/);
  });

  it('links to Jaeger searches by initiator.override=true and by enduser.id', () => {
    const urls = [
      ...dashboard.links.map((l) => l.url),
      panels.find((p) => p.type === 'text')?.options?.content ?? '',
    ].join(' ');
    expect(urls).toContain(encodeURIComponent('{"initiator.override":"true"}'));
    expect(urls).toContain(encodeURIComponent('{"enduser.id":"${enduser}"}'));
  });
});
