// `npm run bench`: what the plugin costs a gateway, against the stock OpenTelemetry HTTP
// instrumentation, in one run. Configurations of the same gateway, driven in turn over several
// rounds (the machine is noisy): (A) no OpenTelemetry, (B) NodeSDK with stock instrumentation-http,
// (B+) B carrying the plugin's telemetry with fixed values, (C) the plugin. Then the heap over many
// requests through C, and the hot-path micro-benchmark. Writes bench/RESULTS.md.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { interceptionMix } from './traffic.mts';

const ROOT = join(import.meta.dirname, '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const MEMORY_REQUESTS = Number(process.env.BENCH_MEMORY_REQUESTS ?? 300_000);
const CLOCK_TICKS = 100; // getconf CLK_TCK on Linux

type Config = 'A' | 'B' | 'B+' | 'C';
const CONFIGS: Record<Config, { label: string; preload: string[] }> = {
  A: { label: 'A: no OpenTelemetry', preload: [] },
  B: { label: 'B: NodeSDK + stock instrumentation-http', preload: ['--require', './bench/stock-register.cjs'] },
  'B+': { label: "B+: B carrying the plugin's telemetry, fixed values, no resolution", preload: ['--require', './bench/stock-plus-register.cjs'] },
  C: { label: 'C: aibridge-initiator-otel', preload: ['--require', 'aibridge-initiator-otel/register'] },
};
const ALL: Config[] = ['A', 'B', 'B+', 'C'];

interface Gateway {
  readonly child: ChildProcess;
  readonly url: string;
}

interface Sample {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly cpuUsPerRequest: number;
}

async function startSink(): Promise<string> {
  // Stands in for a collector: accepts every export at once.
  const sink = createServer((req, res) => {
    req.resume();
    // An empty body is a valid (empty) protobuf export response.
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  sink.unref();
  return `http://127.0.0.1:${(sink.address() as { port: number }).port}`;
}

function startGateway(config: Config, sinkUrl: string, nodeArgs: string[] = []): Promise<Gateway> {
  const child = spawn(process.execPath, [...nodeArgs, ...CONFIGS[config].preload, 'bench/gateway.cjs'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      PATH: process.env.PATH ?? '',
      OTEL_SERVICE_NAME: 'bench-gateway',
      OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl,
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_LOGS_EXPORTER: 'none',
      OTEL_METRIC_EXPORT_INTERVAL: '10000',
      OTEL_NODE_RESOURCE_DETECTORS: 'none',
    },
  });
  return new Promise((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const match = /listening (\d+)/.exec(chunk);
      if (match) resolve({ child, url: `http://127.0.0.1:${match[1]}` });
    });
    child.once('exit', (code) => reject(new Error(`gateway ${config} exited (${code})`)));
  });
}

/** user + system CPU time of a process, in microseconds, from /proc. */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS) * 1e6;
}

async function load(url: string, seconds: number, requests = interceptionMix(2_000)) {
  return autocannon({ url, connections: CONNECTIONS, duration: seconds, requests });
}

async function measure(gateway: Gateway): Promise<Sample> {
  await load(gateway.url, 2); // warm-up
  const cpuBefore = cpuMicros(gateway.child.pid!);
  const result = await load(gateway.url, SECONDS);
  const cpu = cpuMicros(gateway.child.pid!) - cpuBefore;
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${result.non2xx} non-2xx answers, ${result.errors} errors`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, cpuUsPerRequest: cpu / result.requests.total };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const fmt = (n: number, digits = 1) => n.toFixed(digits);

async function heapCheck(sinkUrl: string): Promise<{ warm: number; after: number; rssWarm: number; rssAfter: number }> {
  const gateway = await startGateway('C', sinkUrl, ['--expose-gc']);
  const memory = async () => (await (await fetch(`${gateway.url}/__memory`)).json()) as { heapUsed: number; rss: number };
  // Warm-up fills the bounded caches: 20,000 distinct keys against 10,000-entry caches.
  const mix = interceptionMix(40_000);
  await autocannon({ url: gateway.url, connections: CONNECTIONS, amount: 60_000, requests: mix });
  const warm = await memory();
  await autocannon({ url: gateway.url, connections: CONNECTIONS, amount: MEMORY_REQUESTS, requests: mix });
  const after = await memory();
  gateway.child.kill('SIGTERM');
  return { warm: warm.heapUsed, after: after.heapUsed, rssWarm: warm.rss, rssAfter: after.rss };
}

async function main(): Promise<void> {
  const sinkUrl = await startSink();
  const gateways = { A: await startGateway('A', sinkUrl), B: await startGateway('B', sinkUrl), 'B+': await startGateway('B+', sinkUrl), C: await startGateway('C', sinkUrl) };
  const samples: Record<Config, Sample[]> = { A: [], B: [], 'B+': [], C: [] };
  // Each round in another order, so no configuration always runs first or after the same one.
  const orders = ALL.map((_, shift) => [...ALL.slice(shift), ...ALL.slice(0, shift)]);
  for (let round = 0; round < ROUNDS; round++) {
    for (const config of orders[round % orders.length]!) {
      const sample = await measure(gateways[config]);
      samples[config].push(sample);
      console.log(`round ${round + 1} ${config}: ${fmt(sample.rps, 0)} req/s, p50 ${sample.p50} ms, p99 ${sample.p99} ms, ${fmt(sample.cpuUsPerRequest)} µs CPU/request`);
    }
  }
  for (const gateway of Object.values(gateways)) gateway.child.kill('SIGTERM');

  const stat = (config: Config, key: keyof Sample) => {
    const values = samples[config].map((s) => s[key]);
    return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
  };
  const ratio = (top: Config, bottom: Config, key: keyof Sample) => {
    const pairwise = samples[top].map((s, i) => s[key] / samples[bottom][i]![key]);
    return { median: median(pairwise), min: Math.min(...pairwise), max: Math.max(...pairwise) };
  };
  const cell = (s: { median: number; min: number; max: number }, digits = 1) => `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;

  const lines = [
    '| configuration | requests/s | p50 ms | p99 ms | CPU µs / request |',
    '|---|---|---|---|---|',
    ...ALL.map((c) => `| ${CONFIGS[c].label} | ${cell(stat(c, 'rps'), 0)} | ${cell(stat(c, 'p50'))} | ${cell(stat(c, 'p99'))} | ${cell(stat(c, 'cpuUsPerRequest'))} |`),
    '',
    '| ratio (median of per-round ratios, min–max) | requests/s | p99 | CPU / request |',
    '|---|---|---|---|',
    `| C/B (plugin over stock) | ${cell(ratio('C', 'B', 'rps'), 3)} | ${cell(ratio('C', 'B', 'p99'), 3)} | ${cell(ratio('C', 'B', 'cpuUsPerRequest'), 3)} |`,
    `| B+/B (the contract's telemetry) | ${cell(ratio('B+', 'B', 'rps'), 3)} | ${cell(ratio('B+', 'B', 'p99'), 3)} | ${cell(ratio('B+', 'B', 'cpuUsPerRequest'), 3)} |`,
    `| C/B+ (the plugin's own logic) | ${cell(ratio('C', 'B+', 'rps'), 3)} | ${cell(ratio('C', 'B+', 'p99'), 3)} | ${cell(ratio('C', 'B+', 'cpuUsPerRequest'), 3)} |`,
    `| B/A (stock over none) | ${cell(ratio('B', 'A', 'rps'), 3)} | ${cell(ratio('B', 'A', 'p99'), 3)} | ${cell(ratio('B', 'A', 'cpuUsPerRequest'), 3)} |`,
  ];
  console.log(`\n${lines.join('\n')}`);

  const heap = await heapCheck(sinkUrl);
  const mb = (bytes: number) => fmt(bytes / 1048576);
  const heapLine = `Heap after warm-up (60,000 requests, caches full) ${mb(heap.warm)} MB, after ${MEMORY_REQUESTS.toLocaleString('en')} more ${mb(heap.after)} MB (growth ${mb(heap.after - heap.warm)} MB); RSS ${mb(heap.rssWarm)} → ${mb(heap.rssAfter)} MB.`;
  console.log(`\n${heapLine}`);

  console.log('\nmicro-benchmark of the hot path (bench/micro.mts):');
  const micro = spawnSync(process.execPath, ['bench/micro.mts'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
  console.log(micro);

  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${mb(totalmem())} MB, Linux, Node ${process.version}`;
  const report = [
    '# Benchmark results',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${machine}, with \`npm run bench\``,
    `(${ROUNDS} rounds of ${SECONDS} s per configuration, interleaved, ${CONNECTIONS} connections, autocannon in the same machine).`,
    'Mix: 6 in 10 Coder Agents calls with an owner header, 3 ordinary users (20,000 distinct keys), 1 refused owner header; 330-byte JSON bodies.',
    'Exporters for B and C: OTLP over HTTP to a local sink, batch span processor, metrics every 10 s. CPU is user + system time of the gateway process over the loaded window.',
    '',
    ...lines,
    '',
    heapLine,
    '',
    'Per call, without HTTP (`node bench/micro.mts`): resolution alone, and everything the hooks do for one interception (resolution, span attributes and events, metric points) on real SDK spans and meters:',
    '',
    '```',
    micro,
    '```',
    '',
  ].join('\n');
  writeFileSync(join(ROOT, 'bench', 'RESULTS.md'), report);
  console.log('\nwrote bench/RESULTS.md');
}

await main();
process.exit(0);
