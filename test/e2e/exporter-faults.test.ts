import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CODER_AGENTS_UA, OWNER_A, SERVICE_TOKEN } from '../support/fixtures';
import { otlpEnv, spawnGateway, type GatewayProcess } from '../support/gateway-process';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver';
import { listen, post, startUpstream, type Running } from '../support/servers';

// Short by default; SOAK=1 runs the long version and prints what it measured.
const SOAK = process.env.SOAK === '1';
const LATENCY_REQUESTS = SOAK ? 3_000 : 300;
const MEMORY_REQUESTS = SOAK ? 100_000 : 3_000;

type Fault = 'down' | 'answering 500' | 'hanging';

/** A collector that fails the way asked; `down` is a port nobody listens on. */
async function faultyCollector(fault: Fault): Promise<{ url: string; close(): Promise<void> }> {
  if (fault === 'down') return { url: 'http://127.0.0.1:9', close: async () => {} };
  const server = http.createServer((req, res) => {
    req.resume();
    if (fault === 'answering 500') req.on('end', () => res.writeHead(500).end('{}'));
    // hanging: never answers
  });
  return listen(server);
}

let upstream: Running;
beforeAll(async () => {
  upstream = await startUpstream();
});
afterAll(() => upstream.close());

const headers = {
  'user-agent': CODER_AGENTS_UA,
  authorization: `Bearer ${SERVICE_TOKEN}`,
  'x-coder-owner-id': OWNER_A,
};

async function start(collectorUrl: string) {
  const spawned = spawnGateway({
    entry: 'gateway.cjs',
    preload: '--require',
    nodeArgs: ['--expose-gc'],
    env: {
      ...otlpEnv(collectorUrl),
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
      OTEL_BSP_SCHEDULE_DELAY: '200',
      OTEL_EXPORTER_OTLP_TIMEOUT: '1000',
      UPSTREAM_URL: `${upstream.url}/provider`,
    },
  });
  return { gateway: await spawned.started, output: spawned.output, exited: spawned.exited };
}

/** Median and p95 of sequential request latencies, in milliseconds, with every status. */
async function measure(
  gateway: GatewayProcess,
  count: number,
): Promise<{ median: number; p95: number; statuses: Set<number> }> {
  const latencies: number[] = [];
  const statuses = new Set<number>();
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    statuses.add((await post(`${gateway.url}/v1/messages`, headers)).status);
    latencies.push(performance.now() - started);
  }
  latencies.sort((a, b) => a - b);
  return { median: latencies[Math.floor(count / 2)]!, p95: latencies[Math.floor(count * 0.95)]!, statuses };
}

async function heapUsed(gateway: GatewayProcess): Promise<number> {
  return ((await (await fetch(`${gateway.url}/__memory`)).json()) as { heapUsed: number }).heapUsed;
}

describe('an exporter that fails never costs the gateway', () => {
  let healthy: OtlpReceiver;
  let baseline: { median: number; p95: number };
  beforeAll(async () => {
    healthy = await startOtlpReceiver();
    const { gateway, exited } = await start(healthy.url);
    await measure(gateway, 50);
    baseline = await measure(gateway, LATENCY_REQUESTS);
    gateway.child.kill('SIGTERM');
    await exited;
  });
  afterAll(() => healthy.close());

  it.each(['down', 'answering 500', 'hanging'] as const)(
    'a collector %s: same answers, no added latency, and the failure is reported',
    async (fault) => {
      const collector = await faultyCollector(fault);
      const { gateway, output, exited } = await start(collector.url);
      await measure(gateway, 50);
      const faulty = await measure(gateway, LATENCY_REQUESTS);
      // Give the exporters time to try, fail and say so.
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      gateway.child.kill('SIGTERM');
      await exited;
      await collector.close();
      if (SOAK)
        console.log(
          `collector ${fault}: median ${faulty.median.toFixed(2)} ms (healthy ${baseline.median.toFixed(2)}), p95 ${faulty.p95.toFixed(2)} ms (healthy ${baseline.p95.toFixed(2)})`,
        );
      expect([...faulty.statuses]).toEqual([200]);
      // Noise on a shared machine is a few milliseconds; an exporter on the request path would cost its timeout.
      expect(faulty.median).toBeLessThan(baseline.median * 2 + 5);
      const reported = { down: /ECONNREFUSED/, 'answering 500': /Internal Server Error/, hanging: /timed out/ }[fault];
      expect(output().stderr).toMatch(reported);
    },
  );

  it(
    'memory stays bounded while the collector hangs: the SDK drops what it cannot queue',
    async () => {
      const collector = await faultyCollector('hanging');
      const { gateway, exited } = await start(collector.url);
      const burst = async (count: number) => {
        for (let sent = 0; sent < count; sent += 50)
          await Promise.all(Array.from({ length: 50 }, () => post(`${gateway.url}/v1/messages`, headers)));
      };
      // The first window fills the span queue (2,048) and the caches; the second must not grow on.
      await burst(MEMORY_REQUESTS);
      const before = await heapUsed(gateway);
      await burst(MEMORY_REQUESTS);
      const after = await heapUsed(gateway);
      gateway.child.kill('SIGTERM');
      await exited;
      await collector.close();
      const growthMb = (after - before) / 1024 / 1024;
      if (SOAK)
        console.log(
          `heap after ${MEMORY_REQUESTS} requests ${(before / 1048576).toFixed(1)} MB, after ${MEMORY_REQUESTS} more ${(after / 1048576).toFixed(1)} MB`,
        );
      // The span queue holds at most 2048 spans (OTEL_BSP_MAX_QUEUE_SIZE); everything else is dropped.
      expect(growthMb).toBeLessThan(5);
    },
    SOAK ? 900_000 : 60_000,
  );
});
