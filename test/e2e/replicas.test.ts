import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiOf, usageOf, type Api } from '../../examples/demo/provider-responses';
import { CLAUDE_CODE_UA, CODER_AGENTS_UA, OWNER_A, OWNER_B, SERVICE_TOKEN, ALICE_TOKEN } from '../support/fixtures';
import { freePort, otlpEnv, spawnGateway } from '../support/gateway-process';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver';
import { prometheusAvailable } from '../support/prometheus';
import { startPrometheus, waitFor, type PrometheusServer } from '../support/prometheus-server';
import { listen, startUpstream, type Running } from '../support/servers';

// Three replicas of a preloaded gateway, each with its own exporters, behind a round-robin proxy;
// one OTLP receiver stands for the collector, a real Prometheus scrapes the three.
const REPLICAS = 3;
const INTERCEPTIONS = Number(process.env.REPLICA_INTERCEPTIONS ?? 3000);
const CLIENTS = 24;

interface Call {
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Record<string, unknown>;
}

const agents = { 'user-agent': CODER_AGENTS_UA, authorization: `Bearer ${SERVICE_TOKEN}` };
const claude = { 'user-agent': CLAUDE_CODE_UA, authorization: `Bearer ${ALICE_TOKEN}` };

/** The i-th call of the mix: three APIs, streamed or not, owners applied, rejected or absent. */
function callOf(i: number): Call {
  const path = ['/v1/chat/completions', '/v1/responses', '/v1/messages'][i % 3]!;
  const stream = i % 5 < 2;
  const headers =
    i % 7 === 0
      ? { ...claude, 'x-coder-owner-id': OWNER_A }
      : i % 4 === 0
        ? agents
        : { ...agents, 'x-coder-owner-id': i % 2 === 0 ? OWNER_A : OWNER_B };
  const content = `call ${i}: ${'words '.repeat(i % 50)}`;
  const body: Record<string, unknown> = path.endsWith('/responses')
    ? { model: 'gpt-5-mini', input: content }
    : {
        model: path.endsWith('/messages') ? 'claude-haiku-4-5' : 'gpt-4.1-mini',
        messages: [{ role: 'user', content }],
      };
  if (stream) {
    body.stream = true;
    if (path.endsWith('/chat/completions')) body.stream_options = { include_usage: true };
  }
  return { path, headers, body };
}

/** What the mock provider reports for a call, split as `aibridge.tokens` splits it. */
function tokensOf(call: Call): { input: number; cacheRead: number; cacheCreation: number; output: number } {
  const usage = usageOf(apiOf(call.path) as Api, { model: call.body.model as string, body: call.body });
  const cacheRead = usage.cacheReadInputTokens;
  const cacheCreation = usage.cacheCreationInputTokens ?? 0;
  return { input: usage.inputTokens - cacheRead - cacheCreation, cacheRead, cacheCreation, output: usage.outputTokens };
}

function send(url: string, call: Call, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url + call.path,
      { method: 'POST', agent, headers: { ...call.headers, 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(call.body));
  });
}

/** Passes each request to the next replica in turn, as a load balancer would. */
function roundRobin(targets: readonly string[]): http.Server {
  let next = 0;
  return http.createServer((req, res) => {
    const target = new URL(req.url ?? '/', targets[next++ % targets.length]);
    const forward = http.request(target, { method: req.method, headers: req.headers }, (upstream) => {
      res.writeHead(upstream.statusCode ?? 502, upstream.headers);
      upstream.pipe(res);
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
}

const available = prometheusAvailable();

describe.runIf(available)(
  `${REPLICAS} replicas under ${INTERCEPTIONS} interceptions from ${CLIENTS} concurrent clients`,
  () => {
    let upstream: Running;
    let receiver: OtlpReceiver;
    let proxy: Running;
    let prometheus: PrometheusServer;
    const replicas: { stop: () => Promise<unknown> }[] = [];
    const statuses: number[] = [];
    const expected = { input: 0, cacheRead: 0, cacheCreation: 0, output: 0 };

    // When Prometheus had scraped every interception: the queries are evaluated then, because the
    // scrapes that fail (or catch a replica mid-exit) once the replicas stop mark series stale.
    let complete: number | undefined;
    const scalar = (expr: string) => prometheus.scalar(expr, complete);

    beforeAll(async () => {
      upstream = await startUpstream();
      receiver = await startOtlpReceiver();
      const metricsPorts: number[] = [];
      const urls: string[] = [];
      for (let r = 0; r < REPLICAS; r++) {
        const metricsPort = await freePort();
        metricsPorts.push(metricsPort);
        const spawned = spawnGateway({
          entry: 'gateway.cjs',
          preload: '--require',
          env: {
            ...otlpEnv(receiver.url),
            UPSTREAM_URL: `${upstream.url}/provider`,
            OTEL_SERVICE_NAME: 'replicated-gateway',
            // Sampled as at scale: records keep every interception, with its trace and span IDs.
            OTEL_TRACES_SAMPLER: 'traceidratio',
            OTEL_TRACES_SAMPLER_ARG: '0.01',
            OTEL_METRICS_EXPORTER: 'prometheus',
            OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
            OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort),
            OTEL_BLRP_SCHEDULE_DELAY: '200',
          },
        });
        const gateway = await spawned.started;
        urls.push(gateway.url);
        replicas.push({
          stop: () => {
            gateway.child.kill('SIGTERM');
            return spawned.exited;
          },
        });
      }
      proxy = await listen(roundRobin(urls));

      prometheus = await startPrometheus([
        'global: { scrape_interval: 1s }',
        'scrape_configs:',
        `  - { job_name: gateway, static_configs: [ { targets: [${metricsPorts.map((p) => `'127.0.0.1:${p}'`).join(', ')}] } ] }`,
      ]);

      let next = 0;
      const client = async () => {
        const agent = new http.Agent({ keepAlive: true });
        while (next < INTERCEPTIONS) {
          const call = callOf(next++);
          const tokens = tokensOf(call);
          expected.input += tokens.input;
          expected.cacheRead += tokens.cacheRead;
          expected.cacheCreation += tokens.cacheCreation;
          expected.output += tokens.output;
          statuses.push(await send(proxy.url, call, agent));
        }
        agent.destroy();
      };
      await Promise.all(Array.from({ length: CLIENTS }, client));
      await waitFor(
        async () => {
          const at = Date.now() / 1000;
          if ((await prometheus.scalar('sum(aibridge_interceptions_total)', at)) !== INTERCEPTIONS) return false;
          complete = at;
          return true;
        },
        'Prometheus to see every interception',
        60_000,
      );
      // The records still queued go out when the replicas stop.
      await Promise.all(replicas.map((replica) => replica.stop()));
    }, 180_000);

    afterAll(async () => {
      await prometheus?.stop();
      await proxy?.close();
      await receiver?.close();
      await upstream?.close();
    });

    it('answers every call', () => {
      expect(statuses).toHaveLength(INTERCEPTIONS);
      expect(statuses.filter((status) => status !== 200)).toEqual([]);
    });

    it('receives exactly one record per interception', () => {
      expect(receiver.records).toHaveLength(INTERCEPTIONS);
      expect(new Set(receiver.records.map((record) => record.spanId)).size).toBe(INTERCEPTIONS);
      for (const record of receiver.records) expect(record.traceId).toMatch(/^[0-9a-f]{32}$/);
    });

    it('the records’ tokens sum to what the provider sent', () => {
      const sum = (key: string) =>
        receiver.records.reduce((total, record) => total + Number(record.attributes[key] ?? 0), 0);
      expect(sum('gen_ai.usage.input_tokens')).toBe(expected.input + expected.cacheRead + expected.cacheCreation);
      expect(sum('gen_ai.usage.cache_read.input_tokens')).toBe(expected.cacheRead);
      expect(sum('gen_ai.usage.cache_creation.input_tokens')).toBe(expected.cacheCreation);
      expect(sum('gen_ai.usage.output_tokens')).toBe(expected.output);
      expect(
        receiver.records.filter((record) => record.attributes['aibridge.usage.unavailable'] !== undefined),
      ).toEqual([]);
    });

    it('Prometheus, summed over the replicas, shows the same totals', async () => {
      expect(await scalar('sum(aibridge_tokens_total{gen_ai_token_type="input"})')).toBe(expected.input);
      expect(await scalar('sum(aibridge_tokens_total{gen_ai_token_type="cache_read"})')).toBe(expected.cacheRead);
      expect(await scalar('sum(aibridge_tokens_total{gen_ai_token_type="cache_creation"})')).toBe(
        expected.cacheCreation,
      );
      expect(await scalar('sum(aibridge_tokens_total{gen_ai_token_type="output"})')).toBe(expected.output);
      expect(await scalar('count(count by (instance) (aibridge_interceptions_total))')).toBe(REPLICAS);
      const ownerRecords = receiver.records.filter((record) => record.attributes['initiator.override'] === true).length;
      expect(await scalar('sum(aibridge_interceptions_total{initiator_override="true"})')).toBe(ownerRecords);
    });
  },
);
