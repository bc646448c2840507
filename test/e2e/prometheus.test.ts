import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROMETHEUS_METRIC_NAMES } from 'aibridge-initiator-otel';
import { OWNER_A, SERVICE_TOKEN } from '../support/fixtures';
import { freePort, otlpEnv, spawnGateway, type GatewayProcess } from '../support/gateway-process';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver';
import { recordOutput } from '../support/scan';
import { startUpstream, type Running } from '../support/servers';
import { EXPECTED, sendTraffic } from '../support/traffic';

let upstream: Running;
let receiver: OtlpReceiver;
let gateway: GatewayProcess;
let exposition: string;
let metricsPort: number;

/** The value of the one sample whose name and labels match. */
function sample(name: string, labels: Record<string, string>): number | undefined {
  const lines = exposition.split('\n').filter((line) => line.startsWith(`${name}{`));
  const matching = lines.filter((line) => Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)));
  if (matching.length === 0) return undefined;
  return matching.reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

beforeAll(async () => {
  upstream = await startUpstream();
  receiver = await startOtlpReceiver();
  metricsPort = await freePort();
  const spawned = spawnGateway({
    entry: 'gateway.cjs',
    preload: '--require',
    env: {
      ...otlpEnv(receiver.url),
      OTEL_METRICS_EXPORTER: 'prometheus',
      OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
      OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort),
      UPSTREAM_URL: `${upstream.url}/provider`,
    },
  });
  gateway = await spawned.started;
  await sendTraffic(gateway.url);
  // Scraped twice: the first scrape must not show up in the second.
  await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  exposition = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  recordOutput('prometheus exposition', exposition);
  gateway.child.kill('SIGTERM');
  await gateway.exited;
});
afterAll(async () => {
  await receiver.close();
  await upstream.close();
});

describe('the Prometheus endpoint', () => {
  it('exposes the interceptions counter under its Prometheus name, split by override', () => {
    expect(sample(PROMETHEUS_METRIC_NAMES.interceptions, {})).toBe(EXPECTED.interceptions);
    expect(
      sample(PROMETHEUS_METRIC_NAMES.interceptions, {
        initiator_override: 'true',
        initiator_source: 'owner_header',
        aibridge_client: 'Coder Agents',
      }),
    ).toBe(EXPECTED.overrides);
    expect(sample(PROMETHEUS_METRIC_NAMES.interceptions, { http_response_status_code: '200' })).toBe(
      EXPECTED.interceptions,
    );
  });

  it('exposes the rejections by reason and client', () => {
    expect(
      sample(PROMETHEUS_METRIC_NAMES.overrideRejections, {
        reason: 'client_not_allowed',
        aibridge_client: 'Claude Code',
      }),
    ).toBe(1);
    expect(
      sample(PROMETHEUS_METRIC_NAMES.overrideRejections, { reason: 'invalid_format', aibridge_client: 'Coder Agents' }),
    ).toBe(1);
  });

  it('exposes the duration histogram in seconds buckets', () => {
    expect(sample(PROMETHEUS_METRIC_NAMES.interceptionDurationBucket, { le: '+Inf' })).toBe(EXPECTED.interceptions);
    expect(exposition).toContain(`${PROMETHEUS_METRIC_NAMES.interceptionDurationBucket}{`);
    expect(exposition).toMatch(/aibridge_interception_duration_bucket\{[^}]*le="300"/);
  });

  it('carries no user ID or credential in any label', () => {
    expect(exposition).not.toContain(OWNER_A);
    expect(exposition).not.toContain(SERVICE_TOKEN);
    expect(exposition).not.toMatch(/enduser|credential_id|key-[0-9a-f]{16}/);
  });

  it('scrapes create no span and are not counted as traffic', () => {
    const onMetricsPort = receiver.spans.filter(
      (s) =>
        s.attributes['server.port'] === metricsPort || String(s.attributes['url.path'] ?? '').startsWith('/metrics'),
    );
    expect(onMetricsPort).toEqual([]);
    // The gateway's own traffic is there, so spans were exported at all.
    expect(receiver.spans.filter((s) => s.attributes['initiator.override'] !== undefined)).toHaveLength(
      EXPECTED.interceptions,
    );
  });
});
