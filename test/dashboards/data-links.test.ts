import { describe, expect, it } from 'vitest';
import { ATTR_AIBRIDGE_CLIENT, ATTR_ENDUSER_ID, REJECTION_REASONS } from 'aibridge-initiator-otel';
import { BUILT_IN_CLIENTS } from '../../src/resolution/clients';
import { everyLink, interpolate, jaegerReceives, readDashboard, type Context } from './grafana';

const dashboard = readDashboard();
const links = everyLink(dashboard);
const jaegerLinks = links.filter(({ link }) => link.url.startsWith('${jaeger_url}'));

// Initiator IDs as resolvers hand them out, and service names as operators pick them: what a link
// must carry through Grafana, the browser and Jaeger's parser unchanged.
const ENDUSERS = [
  '3f2504e0-4f89-41d3-9a0c-0305e82c3301',
  'key-0123456789abcdef',
  'alice+ops@example.com',
  'team/ops:alice',
  'a&b=c#d?e',
  '100% legit',
  "o'brien (contractor)",
  'Ünïcødé 用户',
  '<script>alert(1)</script>',
];
const SERVICES = ['aibridge-demo-gateway', 'ai gateway', 'prod/gateway+eu'];
const RANGE = { from: Date.UTC(2026, 0, 15, 9, 0, 0), to: Date.UTC(2026, 0, 15, 12, 30, 0) };

const contextWith = (enduser: string, service: string, fieldLabels?: Record<string, string>): Context => ({
  variables: {
    jaeger_url: 'http://localhost:16686',
    jaeger_service: service,
    enduser,
    datasource: 'prometheus',
    service: 'aibridge-demo-gateway',
    instance: '127.0.0.1:9464',
    client: 'Coder Agents',
  },
  ...RANGE,
  ...(fieldLabels !== undefined && { fieldLabels }),
});

describe('the dashboard links, followed as Grafana, the browser and Jaeger follow them', () => {
  it('are there: dashboard links, panel links and data links', () => {
    expect(links.filter((l) => l.where === 'dashboard').length).toBeGreaterThanOrEqual(3);
    expect(links.filter((l) => l.dataLink).length).toBeGreaterThanOrEqual(2);
    expect(jaegerLinks.length).toBeGreaterThanOrEqual(4);
  });

  it.each(links.map((l) => [`${l.where}: ${l.link.title}`, l.link.url] as const))(
    '%s refers to variables Grafana substitutes, never to an encoded one',
    (_, url) => {
      // An encoded reference (%24%7B...) is text to Grafana: it reaches the target literally.
      expect(url).not.toMatch(/%24|%7B%7D/i);
      const substituted = interpolate(
        url,
        contextWith('someone', SERVICES[0]!, { reason: 'invalid_format', aibridge_client: 'Zed' }),
      );
      expect(substituted).not.toContain('$');
      expect(() => new URL(substituted)).not.toThrow();
    },
  );

  it.each(jaegerLinks.map((l) => [`${l.where}: ${l.link.title}`, l] as const))(
    '%s searches the chosen service, in the dashboard time range',
    (_, { link }) => {
      for (const service of SERVICES) {
        const received = jaegerReceives(
          interpolate(link.url, contextWith('someone', service, { reason: 'invalid_format', aibridge_client: 'Zed' })),
        );
        expect(received.path).toBe('/search');
        expect(received.service).toBe(service);
        expect(received.start).toBe(RANGE.from * 1000);
        expect(received.end).toBe(RANGE.to * 1000);
        expect(received.end).toBeGreaterThan(received.start);
        expect(received.raw.get('lookback')).toBe('custom');
      }
    },
  );

  it('the traces of an enduser.id: Jaeger searches exactly the ID typed in, whatever it holds', () => {
    const link = dashboard.links.find((l) => l.url.includes(encodeURIComponent(ATTR_ENDUSER_ID)));
    expect(link).toBeDefined();
    for (const enduser of ENDUSERS) {
      for (const service of SERVICES) {
        const received = jaegerReceives(interpolate(link!.url, contextWith(enduser, service)));
        expect(received.tags, enduser).toEqual({ [ATTR_ENDUSER_ID]: enduser });
        expect(received.service).toBe(service);
      }
    }
  });

  it('the owner-header and credential_not_trusted searches ask for their literal attribute values', () => {
    const received = dashboard.links
      .filter((l) => l.url.startsWith('${jaeger_url}') && !l.url.includes(encodeURIComponent(ATTR_ENDUSER_ID)))
      .map((l) => jaegerReceives(interpolate(l.url, contextWith('', SERVICES[0]!))).tags);
    expect(received).toEqual(
      expect.arrayContaining([
        { 'initiator.override': 'true' },
        { 'initiator.override.rejected_reason': 'credential_not_trusted' },
      ]),
    );
  });

  it('a data link on a rejections series searches that series: its reason and its client', () => {
    const panel = dashboard.panels.find((p) => p.title.startsWith('Owner headers refused per 5 minutes'));
    const [dataLink] = panel?.fieldConfig?.defaults?.links ?? [];
    expect(dataLink).toBeDefined();
    for (const reason of REJECTION_REASONS) {
      for (const client of BUILT_IN_CLIENTS.names) {
        const received = jaegerReceives(
          interpolate(dataLink!.url, contextWith('', SERVICES[0]!, { reason, aibridge_client: client })),
        );
        expect(received.tags).toEqual({ 'initiator.override.rejected_reason': reason, [ATTR_AIBRIDGE_CLIENT]: client });
      }
    }
  });

  it('a data link on an untrusted-delegation series searches credential_not_trusted for its client', () => {
    const panel = dashboard.panels.find((p) => p.title.startsWith('Untrusted delegations per 5 minutes'));
    const [dataLink] = panel?.fieldConfig?.defaults?.links ?? [];
    expect(dataLink).toBeDefined();
    for (const client of BUILT_IN_CLIENTS.names) {
      const received = jaegerReceives(
        interpolate(
          dataLink!.url,
          contextWith('', SERVICES[0]!, { initiator_authentication: 'accepted', aibridge_client: client }),
        ),
      );
      expect(received.tags).toEqual({
        'initiator.override.rejected_reason': 'credential_not_trusted',
        [ATTR_AIBRIDGE_CLIENT]: client,
      });
    }
  });

  it('the runbook links of panels open the runbook of an alert the panel is about', () => {
    const runbooks = links.filter(({ link }) => link.title.startsWith('Runbook: '));
    expect(runbooks.length).toBeGreaterThanOrEqual(5);
    for (const { link } of runbooks) {
      const alert = link.title.slice('Runbook: '.length);
      expect(new URL(link.url).hash).toBe(`#${alert.toLowerCase()}`);
    }
  });
});

describe('the traces panel, run by Grafana against the Jaeger datasource', () => {
  const panel = dashboard.panels.find((p) => p.datasource?.type === 'jaeger');

  it('searches the chosen service for each rejection reason, in the time range', () => {
    expect(panel).toBeDefined();
    expect(panel!.datasource?.uid).toBe('${jaeger}');
    const targets = panel!.targets ?? [];
    expect(targets.map((t) => t.queryType)).toEqual(REJECTION_REASONS.map(() => 'search'));
    for (const target of targets) {
      expect(interpolate(String(target.service), contextWith('', 'ai gateway'))).toBe('ai gateway');
    }
    // Grafana turns the logfmt tags into the JSON object Jaeger's API takes.
    const tags = targets.map((t) => {
      const text = String(t.tags);
      expect(text).toMatch(/^[\w.]+=[\w]+$/);
      const [key, value] = text.split('=');
      return { [key!]: value! };
    });
    expect(tags).toEqual(REJECTION_REASONS.map((reason) => ({ 'initiator.override.rejected_reason': reason })));
    expect(panel!.transformations?.map((t) => t.id)).toEqual(['merge']);
  });
});
