import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EVENT_INTERCEPTION, METRIC_INTERCEPTION_DURATION } from 'aibridge-initiator-otel';
import { REPO_ROOT } from '../support/gateway-process';
import { prometheusAvailable, promtool } from '../support/prometheus';

const DIR = join(REPO_ROOT, 'dashboards');
const text = (path: string) => readFileSync(join(DIR, path), 'utf8');
const yaml = <T>(path: string) => parse(text(path)) as T;

interface Service {
  image: string;
  network_mode?: string;
  command?: string[];
  volumes?: string[];
  environment?: Record<string, string>;
}
const compose = yaml<{ services: Record<string, Service> }>('compose.yaml');
const mounts = (service: string) =>
  (compose.services[service]?.volumes ?? []).map((volume) => {
    const [source, target] = volume.split(':');
    return { source: source!, target: target! };
  });

interface CollectorConfig {
  receivers: Record<string, unknown>;
  processors: Record<string, unknown>;
  exporters: Record<string, unknown>;
  extensions?: Record<string, unknown>;
  connectors?: Record<string, unknown>;
  service: {
    extensions?: string[];
    telemetry?: unknown;
    pipelines: Record<string, { receivers: string[]; processors?: string[]; exporters: string[] }>;
  };
}

/** Every `endpoint` (and telemetry `host`) in a configuration, with where it is. */
function endpoints(node: unknown, path = ''): { path: string; value: string }[] {
  if (typeof node !== 'object' || node === null) return [];
  return Object.entries(node).flatMap(([key, value]) =>
    (key === 'endpoint' || key === 'host') && typeof value === 'string'
      ? [{ path: `${path}.${key}`, value }]
      : endpoints(value, `${path}.${key}`),
  );
}
const LOOPBACK = /^(?:[a-z]+:\/\/)?(?:127\.0\.0\.1|localhost)(?::\d+)?$/;

// The component types the configuration uses, and the signals each handles, as the contrib
// distribution at the pinned version ships them (distributions/otelcol-contrib/manifest.yaml of
// opentelemetry-collector-releases v0.159.0: otlpreceiver, memorylimiterprocessor,
// transformprocessor, filterprocessor, otlpexporter (its type is otlp_grpc since v0.144),
// prometheusexporter, clickhouseexporter, healthcheckextension).
const CONTRIB_COMPONENTS: Record<string, Record<string, readonly string[]>> = {
  receivers: { otlp: ['traces', 'metrics', 'logs'] },
  processors: {
    memory_limiter: ['traces', 'metrics', 'logs'],
    transform: ['traces', 'metrics', 'logs'],
    filter: ['traces', 'metrics', 'logs'],
  },
  exporters: {
    otlp_grpc: ['traces', 'metrics', 'logs'],
    prometheus: ['metrics'],
    clickhouse: ['traces', 'metrics', 'logs'],
  },
  extensions: { health_check: [] },
};
const typeOf = (id: string) => id.split('/')[0]!;

/** Checks a collector-style configuration: every pipeline's components defined, of a known type, fit for its signal. */
function checkPipelines(config: CollectorConfig, known?: typeof CONTRIB_COMPONENTS): void {
  const used = { receivers: new Set<string>(), processors: new Set<string>(), exporters: new Set<string>() };
  expect(Object.keys(config.service.pipelines).length).toBeGreaterThan(0);
  for (const [pipeline, { receivers, processors = [], exporters }] of Object.entries(config.service.pipelines)) {
    const signal = typeOf(pipeline);
    expect(['traces', 'metrics', 'logs'], pipeline).toContain(signal);
    expect(receivers.length, pipeline).toBeGreaterThan(0);
    expect(exporters.length, pipeline).toBeGreaterThan(0);
    for (const [kind, ids] of [
      ['receivers', receivers],
      ['processors', processors],
      ['exporters', exporters],
    ] as const) {
      for (const id of ids) {
        expect(Object.keys(config[kind] ?? {}), `${pipeline}: ${kind} ${id}`).toContain(id);
        used[kind].add(id);
        if (known !== undefined) expect(known[kind]?.[typeOf(id)], `${pipeline}: ${id}`).toContain(signal);
      }
    }
  }
  // Nothing defined and left out of every pipeline: an unused component is a configuration mistake.
  for (const kind of ['receivers', 'processors', 'exporters'] as const)
    expect(Object.keys(config[kind] ?? {}).sort(), kind).toEqual([...used[kind]].sort());
  for (const id of config.service.extensions ?? []) {
    expect(Object.keys(config.extensions ?? {}), `extension ${id}`).toContain(id);
    if (known !== undefined) expect(Object.keys(known.extensions!), id).toContain(typeOf(id));
  }
}

describe('the local stack files (checked here; Docker cannot run on this machine)', () => {
  it('compose.yaml runs the collector, Jaeger, ClickHouse, Prometheus and Grafana on pinned images, mounting files that exist', () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      'clickhouse',
      'grafana',
      'jaeger',
      'otel-collector',
      'prometheus',
    ]);
    for (const [name, service] of Object.entries(compose.services)) {
      expect(service.image, name).toMatch(/^[a-z][a-z0-9/-]*:v?\d+(\.\d+)+$/);
      expect(service.network_mode, name).toBe('host');
      for (const { source } of mounts(name)) expect(existsSync(join(DIR, source)), `${name}: ${source}`).toBe(true);
    }
    expect(compose.services['otel-collector']!.image).toMatch(/^otel\/opentelemetry-collector-contrib:/);
  });

  it('every service listens on loopback only, host networking sharing the host’s ports', () => {
    expect(compose.services.prometheus!.command).toContain('--web.listen-address=127.0.0.1:9090');
    expect(compose.services.grafana!.environment?.GF_SERVER_HTTP_ADDR).toBe('127.0.0.1');
    for (const [file, config] of [
      ['otel-collector/config.yaml', yaml('otel-collector/config.yaml')],
      ['jaeger/config.yaml', yaml('jaeger/config.yaml')],
    ] as const) {
      const found = endpoints(config);
      expect(found.length, file).toBeGreaterThan(0);
      for (const { path, value } of found) expect(value, `${file}${path}`).toMatch(LOOPBACK);
    }
    // Jaeger's query service listens on every interface unless its endpoints are given.
    expect(endpoints(yaml('jaeger/config.yaml')).map((e) => e.path)).toEqual(
      expect.arrayContaining(['.extensions.jaeger_query.http.endpoint', '.extensions.jaeger_query.grpc.endpoint']),
    );
    // ClickHouse: the image's listen configuration replaced by one on loopback.
    const clickhouse = mounts('clickhouse').find((m) => m.target.endsWith('/config.d/docker_related_config.xml'));
    expect(clickhouse).toBeDefined();
    expect(
      [...text(clickhouse!.source).matchAll(/<listen_host>([^<]*)<\/listen_host>/g)].map(([, host]) => host),
    ).toEqual(['127.0.0.1']);
  });

  it('the collector’s configuration: OTLP in; traces to Jaeger, metrics to Prometheus, records to ClickHouse', () => {
    const config = yaml<CollectorConfig>('otel-collector/config.yaml');
    expect(Object.keys(config).sort()).toEqual(['exporters', 'extensions', 'processors', 'receivers', 'service']);
    checkPipelines(config, CONTRIB_COMPONENTS);
    const { pipelines } = config.service;
    expect(Object.keys(pipelines).sort()).toEqual(['logs', 'metrics', 'traces']);
    for (const pipeline of Object.values(pipelines)) {
      expect(pipeline.receivers).toEqual(['otlp']);
      // The memory limiter goes first, so that it refuses data before anything else holds it.
      expect(pipeline.processors?.[0]).toBe('memory_limiter');
    }
    expect(pipelines.traces!.exporters.map(typeOf)).toEqual(['otlp_grpc']);
    expect(pipelines.metrics!.exporters.map(typeOf)).toEqual(['prometheus']);
    expect(pipelines.logs!.exporters.map(typeOf)).toEqual(['clickhouse']);

    // The gateways reach it where the OTLP defaults say, over gRPC and HTTP.
    expect(config.receivers.otlp).toEqual({
      protocols: { grpc: { endpoint: '127.0.0.1:4317' }, http: { endpoint: '127.0.0.1:4318' } },
    });
    // Only interception records reach the usage store, named by the event the plugin emits.
    const filters = pipelines.logs!.processors!.filter((id) => typeOf(id) === 'filter');
    expect(filters).toHaveLength(1);
    expect(config.processors[filters[0]!]).toEqual({ log_conditions: [`log.event_name != "${EVENT_INTERCEPTION}"`] });
    // The duration histogram keeps the name the plugin's own endpoint gives it (no `_seconds`).
    const transforms = pipelines.metrics!.processors!.filter((id) => typeOf(id) === 'transform');
    expect(config.processors[transforms[0]!]).toEqual({
      metric_statements: [`set(metric.unit, "") where metric.name == "${METRIC_INTERCEPTION_DURATION}"`],
    });
  });

  it('the collector’s exporters reach the other services where they listen', () => {
    const collector = yaml<CollectorConfig>('otel-collector/config.yaml');
    const jaeger = yaml<CollectorConfig>('jaeger/config.yaml');
    const prometheus = yaml<{
      scrape_configs: { job_name: string; honor_labels?: boolean; static_configs: { targets: string[] }[] }[];
    }>('prometheus/prometheus.yml');
    const exporter = (type: string) =>
      Object.entries(collector.exporters).find(([id]) => typeOf(id) === type)![1] as Record<string, unknown>;

    const jaegerOtlp = (jaeger.receivers.otlp as { protocols: { grpc: { endpoint: string } } }).protocols.grpc.endpoint;
    expect(exporter('otlp_grpc')).toEqual({ endpoint: jaegerOtlp, tls: { insecure: true } });
    // Jaeger does not take the collector's ports.
    expect(jaegerOtlp).not.toMatch(/:(4317|4318)$/);

    const port = (endpoint: string) => endpoint.split(':').at(-1);
    const scrape = prometheus.scrape_configs.find((job) =>
      job.static_configs.some((c) => c.targets.some((t) => port(t) === port(String(exporter('prometheus').endpoint)))),
    );
    expect(scrape?.job_name).toBe('otel-collector');
    // The replicas' job and instance, not the collector's.
    expect(scrape?.honor_labels).toBe(true);
    expect(exporter('prometheus')).toMatchObject({ resource_to_telemetry_conversion: { enabled: false } });

    expect(exporter('clickhouse')).toMatchObject({
      endpoint: 'tcp://127.0.0.1:9000',
      database: 'otel',
      logs_table_name: 'otel_logs',
      create_schema: true,
    });

    const collectorMount = mounts('otel-collector')[0]!;
    expect(compose.services['otel-collector']!.command).toEqual([`--config=${collectorMount.target}`]);
    expect(collectorMount.source).toBe('./otel-collector/config.yaml');
  });

  it('Jaeger’s configuration: its pipeline, its storage, and the file compose gives it', () => {
    const config = yaml<
      CollectorConfig & {
        extensions: {
          jaeger_query: { storage: { traces: string } };
          jaeger_storage: { backends: Record<string, unknown> };
        };
      }
    >('jaeger/config.yaml');
    checkPipelines(config);
    expect(Object.keys(config.extensions.jaeger_storage.backends)).toContain(
      config.extensions.jaeger_query.storage.traces,
    );
    expect(config.exporters.jaeger_storage_exporter).toEqual({
      trace_storage: config.extensions.jaeger_query.storage.traces,
    });
    const [mount] = mounts('jaeger');
    expect(compose.services.jaeger!.command).toEqual(['--config', mount!.target]);
  });

  it('Grafana provisioning: the datasources, with the scrape interval declared, and a provider for the mounted dashboard', () => {
    const datasources = yaml<{
      apiVersion: number;
      datasources: { type: string; url: string; jsonData?: { timeInterval?: string } }[];
    }>('grafana/provisioning/datasources/datasources.yml');
    expect(datasources.apiVersion).toBe(1);
    expect(datasources.datasources.map((d) => [d.type, d.url])).toEqual([
      ['prometheus', 'http://localhost:9090'],
      ['jaeger', 'http://localhost:16686'],
    ]);
    // $__rate_interval is four scrape intervals at least: Grafana must know Prometheus' interval.
    const scrapeInterval = yaml<{ global: { scrape_interval: string } }>('prometheus/prometheus.yml').global
      .scrape_interval;
    expect(datasources.datasources[0]!.jsonData?.timeInterval).toBe(scrapeInterval);

    const providers = yaml<{ providers: { type: string; options: { path: string } }[] }>(
      'grafana/provisioning/dashboards/dashboards.yml',
    );
    const mountedAt = mounts('grafana').find((m) => m.source === './aibridge-initiators.json')?.target;
    expect(mountedAt?.startsWith(`${providers.providers[0]?.options.path}/`)).toBe(true);
  });

  it.runIf(prometheusAvailable())(
    'promtool accepts the Prometheus configuration and the rules, and the rule tests pass',
    () => {
      expect(promtool(['check', 'config', 'prometheus.yml'], join(DIR, 'prometheus'))).toContain('SUCCESS');
      expect(promtool(['check', 'rules', 'alerts.yml'], join(DIR, 'prometheus'))).toContain('SUCCESS: 8 rules found');
      expect(promtool(['test', 'rules', 'alerts.test.yml'], join(DIR, 'prometheus'))).toContain('SUCCESS');
    },
  );
});
