import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../support/gateway-process';
import { prometheusAvailable, promtool } from '../support/prometheus';

const DIR = join(REPO_ROOT, 'dashboards');
const yaml = (path: string) => parse(readFileSync(join(DIR, path), 'utf8')) as Record<string, unknown>;

describe('the local stack files (checked here; Docker cannot run on this machine)', () => {
  it('compose.yaml starts Jaeger, Prometheus and Grafana, and mounts only files that exist', () => {
    const compose = yaml('compose.yaml') as {
      services: Record<string, { image: string; volumes?: string[]; network_mode?: string }>;
    };
    expect(Object.keys(compose.services).sort()).toEqual(['grafana', 'jaeger', 'prometheus']);
    for (const [name, service] of Object.entries(compose.services)) {
      expect(service.image, name).toMatch(/^[a-z/]+:[\w.]+$/);
      expect(service.network_mode, name).toBe('host');
      for (const volume of service.volumes ?? [])
        expect(existsSync(join(DIR, volume.split(':')[0]!)), volume).toBe(true);
    }
  });

  it('Grafana provisioning: the Prometheus and Jaeger datasources, and a provider for the mounted dashboard', () => {
    const datasources = yaml('grafana/provisioning/datasources/datasources.yml') as {
      apiVersion: number;
      datasources: { type: string; url: string }[];
    };
    expect(datasources.apiVersion).toBe(1);
    expect(datasources.datasources.map((d) => [d.type, d.url])).toEqual([
      ['prometheus', 'http://localhost:9090'],
      ['jaeger', 'http://localhost:16686'],
    ]);
    const providers = yaml('grafana/provisioning/dashboards/dashboards.yml') as {
      providers: { type: string; options: { path: string } }[];
    };
    const compose = yaml('compose.yaml') as { services: { grafana: { volumes: string[] } } };
    const mountedAt = compose.services.grafana.volumes
      .find((v) => v.startsWith('./aibridge-initiators.json'))
      ?.split(':')[1];
    expect(mountedAt?.startsWith(`${providers.providers[0]?.options.path}/`)).toBe(true);
  });

  it.runIf(prometheusAvailable())(
    'promtool accepts the Prometheus configuration and the rules, and the rule tests pass',
    () => {
      expect(promtool(['check', 'config', 'prometheus.yml'], join(DIR, 'prometheus'))).toContain('SUCCESS');
      expect(promtool(['check', 'rules', 'alerts.yml'], join(DIR, 'prometheus'))).toContain('SUCCESS: 3 rules found');
      expect(promtool(['test', 'rules', 'alerts.test.yml'], join(DIR, 'prometheus'))).toContain('SUCCESS');
    },
  );
});
