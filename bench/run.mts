// `npm run bench`: what the plugin costs a gateway, against the stock OpenTelemetry HTTP
// instrumentation and against the same telemetry written by hand, in one run. Configurations of the
// same gateway: (A) no OpenTelemetry, (B) NodeSDK with stock instrumentation-http, (F) B carrying
// the contract's telemetry with fixed values, (B+) B with a hand-written hook producing the plugin's
// telemetry, (C) the plugin. On a mix of JSON calls and streams: CPU per request and throughput at
// saturation, in interleaved short rounds; then streaming latency seen by the client with the
// provider pacing its events; then the memory of 2,000 streams held open; then the heap over many
// requests through C; then the micro-benchmarks. Writes bench/RESULTS.md.
// OTEL_BSP_* and OTEL_BLRP_* variables given to the run are passed to every gateway.
// BENCH_PROFILE=C (or any configuration) instead loads that gateway alone under `--cpu-prof` for
// BENCH_PROFILE_SECONDS (20) after its warm-up, and prints where its CPU time went.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, createServer, request as httpRequest, type ClientRequest } from 'node:http';
import { createRequire } from 'node:module';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import {
  distinctCredentials,
  interceptionMix,
  MIX_DESCRIPTION,
  sharedSequence,
  type BenchRequest,
} from './traffic.mts';
import { summarizeProfile } from './profile-summary.mts';

// autocannon ships no type declarations: what this script passes it and reads from its results.
interface AutocannonOptions {
  readonly url: string;
  readonly connections: number;
  /** Seconds; the run stops after this or after `amount` requests. */
  readonly duration?: number;
  readonly amount?: number;
  readonly requests: readonly object[];
}
interface AutocannonResult {
  readonly non2xx: number;
  readonly errors: number;
  /** Requests per second over the run's one-second samples, and the run's completed requests. */
  readonly requests: { readonly average: number; readonly total: number };
  /** Milliseconds. */
  readonly latency: { readonly p50: number; readonly p99: number };
}
const autocannon = createRequire(import.meta.url)('autocannon') as (
  options: AutocannonOptions,
) => Promise<AutocannonResult>;

const ROOT = join(import.meta.dirname, '..');
// Many short rounds rather than a few long ones: this machine's speed drifts over minutes, and
// configurations measured seconds apart see the same drift, so their per-round ratios cancel it.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const WARM_UP_SECONDS = 5;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
// Streaming latency: streams open at once, the provider's pace, rounds.
const STREAMS = Number(process.env.BENCH_STREAMS ?? 100);
const PACE_MS = 20;
const LATENCY_ROUNDS = Number(process.env.BENCH_LATENCY_ROUNDS ?? 6);
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 6);
// In-flight memory.
const OPEN_STREAMS = Number(process.env.BENCH_OPEN_STREAMS ?? 2000);
const MEMORY_REPEATS = Number(process.env.BENCH_MEMORY_REPEATS ?? 3);
// Heap over many requests through C.
const WARM_UP_REQUESTS = Number(process.env.BENCH_WARM_UP_REQUESTS ?? 30_000);
const MEMORY_REQUESTS = Number(process.env.BENCH_MEMORY_REQUESTS ?? 100_000);
const CLOCK_TICKS = 100; // getconf CLK_TCK on Linux
// The gateways get one core and the load generator (this process) the other, so the two do not take
// turns on the same core and a gateway's CPU time per request stays comparable across rounds; only
// the gateway being measured runs, the others are stopped. BENCH_PIN=0 turns pinning off; it needs
// two cores and taskset (util-linux).
const PIN = process.env.BENCH_PIN !== '0' && cpus().length >= 2 && spawnSync('taskset', ['--version']).status === 0;
const GATEWAY_CPU = '1';
const LOAD_CPU = '0';

type Config = 'A' | 'B' | 'F' | 'B+' | 'C';
interface ConfigSpec {
  readonly label: string;
  readonly preload: string[];
  /** The interception records go through the SDK's logs pipeline to the sink. */
  readonly records: boolean;
}
const CONFIGS: Record<Config, ConfigSpec> = {
  A: { label: 'A: no OpenTelemetry', preload: [], records: false },
  B: {
    label: 'B: NodeSDK + stock instrumentation-http',
    preload: ['--require', './bench/stock-register.cjs'],
    records: false,
  },
  F: {
    label: "F: B carrying the contract's telemetry, fixed values, records on",
    preload: ['--require', './bench/fixed-values-register.cjs'],
    records: true,
  },
  'B+': {
    label: 'B+: B with a hand-written hook, same telemetry, no records',
    preload: ['--require', './bench/handwritten-register.cjs'],
    records: false,
  },
  C: {
    label: 'C: aibridge-initiator-otel, records on',
    preload: ['--require', 'aibridge-initiator-otel/register'],
    records: true,
  },
};
const ALL: Config[] = ['A', 'B', 'F', 'B+', 'C'];
const STREAMING: Config[] = ['B', 'F', 'B+', 'C'];
const MEMORY: Config[] = ['A', 'B', 'B+', 'C'];

interface Gateway {
  readonly config: Config;
  readonly child: ChildProcess;
  readonly url: string;
}

interface Sample {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly cpuUsPerRequest: number;
  /** Share of one core the gateway used over the window. */
  readonly busy: number;
}

// What the sink received: interception records per configuration (each carries the duration
// attribute's key once), to compare with the interceptions sent.
const RECORD_MARK = Buffer.from('aibridge.interception.duration');
const recordsReceived: Record<Config, number> = { A: 0, B: 0, F: 0, 'B+': 0, C: 0 };
const interceptionsSent: Record<Config, number> = { A: 0, B: 0, F: 0, 'B+': 0, C: 0 };

async function startSink(): Promise<string> {
  // Stands in for a collector: accepts every export at once.
  const sink = createServer((req, res) => {
    const config = decodeURIComponent(req.url!.split('/')[1]!) as Config;
    const logs = req.url!.endsWith('/v1/logs');
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => logs && chunks.push(chunk));
    // An empty body is a valid (empty) protobuf export response.
    req.on('end', () => {
      if (logs) recordsReceived[config] += occurrences(Buffer.concat(chunks), RECORD_MARK);
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  // Idle connections stay open: a gateway stopped between its rounds must find its exporter's
  // connection alive when it resumes, not reset, which would send its exports into retries.
  sink.keepAliveTimeout = 0;
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  sink.unref();
  return `http://127.0.0.1:${(sink.address() as { port: number }).port}`;
}

function occurrences(haystack: Buffer, needle: Buffer): number {
  let count = 0;
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + needle.length)) count++;
  return count;
}

// A configuration whose exports fell behind did less work than the others: reported with the results.
const droppedSpans: Record<Config, number> = { A: 0, B: 0, F: 0, 'B+': 0, C: 0 };
const failedExports: Record<Config, number> = { A: 0, B: 0, F: 0, 'B+': 0, C: 0 };

// Gateways still alive when this process ends, stopped ones included, are killed with it.
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

function startGateway(config: Config, sinkUrl: string, nodeArgs: string[] = []): Promise<Gateway> {
  const argv = [process.execPath, ...nodeArgs, ...CONFIGS[config].preload, 'bench/gateway.cjs'];
  // taskset execs node in place, so the child's pid is the gateway's.
  const [command, ...args] = PIN ? ['taskset', '-c', GATEWAY_CPU, ...argv] : argv;
  const child = spawn(command!, args, {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '',
      OTEL_SERVICE_NAME: 'bench-gateway',
      // Per configuration, so that the sink knows whose records it receives.
      OTEL_EXPORTER_OTLP_ENDPOINT: `${sinkUrl}/${encodeURIComponent(config)}`,
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_LOGS_EXPORTER: CONFIGS[config].records ? 'otlp' : 'none',
      OTEL_METRIC_EXPORT_INTERVAL: '10000',
      OTEL_NODE_RESOURCE_DETECTORS: 'none',
      // The SDK's warnings, among them spans dropped because exports fell behind.
      OTEL_LOG_LEVEL: 'warn',
      // The sink answers at once; an export sent just before a gateway was stopped between its
      // rounds must not time out when it resumes.
      OTEL_EXPORTER_OTLP_TIMEOUT: '60000',
      // The batch processors' settings, when the run is given some, apply to every configuration.
      ...Object.fromEntries(
        Object.entries(process.env).filter(([name]) => name.startsWith('OTEL_BSP_') || name.startsWith('OTEL_BLRP_')),
      ),
    },
  });
  children.add(child);
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    process.stderr.write(chunk);
    for (const match of chunk.matchAll(/Dropped (\d+) spans/g)) droppedSpans[config] += Number(match[1]);
    for (const _ of chunk.matchAll(/timed out/g)) failedExports[config] += 1;
  });
  child.once('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const match = /listening (\d+)/.exec(chunk);
      if (match) resolve({ config, child, url: `http://127.0.0.1:${match[1]}` });
    });
    child.once('exit', (code) => reject(new Error(`gateway ${config} exited (${code})`)));
  });
}

/** Ends a gateway the way an operator would (its SDK flushes), and waits for it to be gone. */
async function stopGateway(gateway: Gateway): Promise<void> {
  const exited = new Promise((resolve) => gateway.child.once('exit', resolve));
  gateway.child.kill('SIGCONT');
  gateway.child.kill('SIGTERM');
  await exited;
}

/** user + system CPU time of a process, in microseconds, from /proc. */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS) * 1e6;
}

// autocannon walks a `requests` array from its start on each connection, building each request once;
// the mix is ordered so that any ten consecutive requests from its start hold every call and every
// caller once, so each connection sends the mix's proportions whether or not it gets to its end.
const ROUND_MIX = interceptionMix(200);

async function load(gateway: Gateway, seconds: number): Promise<AutocannonResult> {
  const result = await autocannon({
    url: gateway.url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: ROUND_MIX,
  });
  interceptionsSent[gateway.config] += result.requests.total;
  return result;
}

/** Time the hypervisor took from the gateway's core (steal, /proc/stat), in clock ticks. */
function stealTicks(): number {
  const line = readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`cpu${GATEWAY_CPU} `));
  return Number(line?.trim().split(/\s+/)[8] ?? 0);
}

// A round during which the machine's host took more than this share of the gateway's core is run
// again (at most MAX_ATTEMPTS times): the gateway's CPU time then counts time it did not run.
const STEAL_LIMIT = 0.02;
const MAX_ATTEMPTS = 3;
let rerunRounds = 0;
let keptDespiteSteal = 0;

/** Runs `work` with only this gateway running: between its rounds a gateway is stopped, so that what it still has to do (exporting) runs in its own rounds and on its own account. */
async function alone<T>(gateway: Gateway, work: () => Promise<T>): Promise<T> {
  gateway.child.kill('SIGCONT');
  try {
    return await work();
  } finally {
    gateway.child.kill('SIGSTOP');
  }
}

async function measureRunning(gateway: Gateway): Promise<Sample> {
  for (let attempt = 1; ; attempt++) {
    const cpuBefore = cpuMicros(gateway.child.pid!);
    const stealBefore = stealTicks();
    const result = await load(gateway, SECONDS);
    const cpu = cpuMicros(gateway.child.pid!) - cpuBefore;
    const steal = (stealTicks() - stealBefore) / (SECONDS * CLOCK_TICKS);
    if (result.non2xx > 0 || result.errors > 0)
      throw new Error(`${result.non2xx} non-2xx answers, ${result.errors} errors`);
    if (PIN && steal > STEAL_LIMIT) {
      if (attempt < MAX_ATTEMPTS) {
        if (attempt === 1) rerunRounds++;
        console.log(`  (host took ${fmt(steal * 100)}% of the gateway's core; measuring again)`);
        continue;
      }
      keptDespiteSteal++;
      console.log(`  (host took ${fmt(steal * 100)}% of the gateway's core; kept after ${MAX_ATTEMPTS} attempts)`);
    }
    return {
      rps: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      cpuUsPerRequest: cpu / result.requests.total,
      busy: cpu / (SECONDS * 1e6),
    };
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const percentile = (sorted: Float64Array, p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
const fmt = (n: number, digits = 1) => n.toFixed(digits);
const spread = (values: number[]) => ({ median: median(values), min: Math.min(...values), max: Math.max(...values) });
const cell = (s: { median: number; min: number; max: number }, digits = 1) =>
  `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;
const verdict = (met: boolean) => (met ? 'met' : '**missed**');

// ---- Streaming latency: the client's view of paced streams.

const STREAM_MIX = interceptionMix(200, 20_000, { 'x-bench-pace-ms': String(PACE_MS) }).filter((r) =>
  r.body.includes('"stream":true'),
);

interface LatencySample {
  readonly ttfb: Float64Array;
  readonly gaps: Float64Array;
  readonly streams: number;
  readonly cpuUsPerStream: number;
}

const streamAgent = new Agent({ keepAlive: true, maxSockets: Infinity });

/** One stream: ms to its first byte, and between the ends of its events. */
function oneStream(url: string, call: BenchRequest, ttfb: number[], gaps: number[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const sent = performance.now();
    const req = httpRequest(`${url}${call.path}`, { method: 'POST', headers: call.headers, agent: streamAgent });
    req.on('error', reject);
    req.on('response', (res) => {
      if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
      let last = -1;
      res.on('data', (chunk: Buffer) => {
        const now = performance.now();
        if (last < 0) ttfb.push(now - sent);
        for (let at = chunk.indexOf('\n\n'); at >= 0; at = chunk.indexOf('\n\n', at + 2)) {
          if (last >= 0) gaps.push(now - last);
          last = now;
        }
        if (last < 0) last = now;
      });
      res.on('end', resolve);
    });
    req.end(call.body);
  });
}

async function latencyRound(gateway: Gateway, seconds: number): Promise<LatencySample> {
  const ttfb: number[] = [];
  const gaps: number[] = [];
  let next = 0;
  let streams = 0;
  const until = performance.now() + seconds * 1000;
  const cpuBefore = cpuMicros(gateway.child.pid!);
  await Promise.all(
    Array.from({ length: STREAMS }, async () => {
      while (performance.now() < until) {
        await oneStream(gateway.url, STREAM_MIX[next++ % STREAM_MIX.length]!, ttfb, gaps);
        streams++;
      }
    }),
  );
  const cpu = cpuMicros(gateway.child.pid!) - cpuBefore;
  interceptionsSent[gateway.config] += streams;
  const sorted = (values: number[]) => Float64Array.from(values).sort();
  return { ttfb: sorted(ttfb), gaps: sorted(gaps), streams, cpuUsPerStream: cpu / streams };
}

// ---- In-flight memory: streams held open halfway.

interface MemoryReading {
  readonly heapUsed: number;
  readonly rss: number;
}

async function memoryOf(gateway: Gateway): Promise<MemoryReading> {
  return (await (await fetch(`${gateway.url}/__memory`)).json()) as MemoryReading;
}

async function openStreamsMemory(
  config: Config,
  sinkUrl: string,
): Promise<{ idle: MemoryReading; open: MemoryReading }> {
  const gateway = await startGateway(config, sinkUrl, ['--expose-gc']);
  // Warm: the code paths compiled, the SDK's and the plugin's state for this mix built.
  await autocannon({ url: gateway.url, connections: CONNECTIONS, amount: 2000, requests: ROUND_MIX });
  const idle = await memoryOf(gateway);
  const mix = interceptionMix(OPEN_STREAMS * 2, 20_000, { 'x-bench-hold': '1' }).filter((r) =>
    r.body.includes('"stream":true'),
  );
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  const requests: ClientRequest[] = [];
  await Promise.all(
    mix.slice(0, OPEN_STREAMS).map(
      (call) =>
        new Promise<void>((resolve, reject) => {
          const req = httpRequest(`${gateway.url}${call.path}`, { method: 'POST', headers: call.headers, agent });
          requests.push(req);
          req.on('error', (error) => (requests.includes(req) ? reject(error) : undefined));
          // Halfway: the gateway wrote the first half of the events at once, then holds.
          req.on('response', (res) => {
            let bytes = 0;
            res.on('data', (chunk: Buffer) => {
              bytes += chunk.length;
              if (bytes > 0) resolve();
            });
          });
          req.end(call.body);
        }),
    ),
  );
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const open = await memoryOf(gateway);
  for (const req of requests.splice(0)) req.destroy();
  agent.destroy();
  await stopGateway(gateway);
  return { idle, open };
}

// ---- Heap over many requests through C, its caches full.

async function heapCheck(
  sinkUrl: string,
): Promise<{ warm: number; after: number; rssWarm: number; rssAfter: number; warmKeys: number }> {
  const gateway = await startGateway('C', sinkUrl, ['--expose-gc']);
  // Every request of the warm-up carries a new credential where the mix has an ordinary user, more
  // than the 10,000 entries of the digest cache, so it is full and evicting before the first reading.
  const mix = interceptionMix(WARM_UP_REQUESTS + MEMORY_REQUESTS, WARM_UP_REQUESTS);
  const requests = sharedSequence(mix);
  await autocannon({ url: gateway.url, connections: CONNECTIONS, amount: WARM_UP_REQUESTS, requests });
  const warm = await memoryOf(gateway);
  await autocannon({ url: gateway.url, connections: CONNECTIONS, amount: MEMORY_REQUESTS, requests });
  const after = await memoryOf(gateway);
  await stopGateway(gateway);
  return {
    warm: warm.heapUsed,
    after: after.heapUsed,
    rssWarm: warm.rss,
    rssAfter: after.rss,
    warmKeys: distinctCredentials(mix, WARM_UP_REQUESTS),
  };
}

// ---- The micro-benchmarks, each printing its text and writing its figures for the summary.

interface MicroFigures {
  readonly text: string;
  readonly figures: Record<string, number>;
}

function micro(script: string): MicroFigures {
  const out = join(mkdtempSync(join(tmpdir(), 'bench-')), 'figures.json');
  const run = spawnSync(process.execPath, [script], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, BENCH_FIGURES: out },
  });
  if (run.status !== 0) throw new Error(`${script} failed: ${run.stderr}`);
  return { text: run.stdout.trim(), figures: JSON.parse(readFileSync(out, 'utf8')) as Record<string, number> };
}

/** The run's settings given in its environment, as they would be typed before the command. */
function settings(): string[] {
  return Object.entries(process.env)
    .filter(([name]) => /^(BENCH_|OTEL_BSP_|OTEL_BLRP_)/.test(name))
    .map(([name, value]) => `${name}=${value ?? ''}`);
}

async function profile(config: Config, sinkUrl: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-profile-'));
  const gateway = await startGateway(config, sinkUrl, [
    '--cpu-prof',
    `--cpu-prof-dir=${dir}`,
    '--require',
    './bench/exit-on-sigterm.cjs',
  ]);
  await load(gateway, WARM_UP_SECONDS);
  const result = await load(gateway, Number(process.env.BENCH_PROFILE_SECONDS ?? 20));
  await stopGateway(gateway);
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error(`no profile written in ${dir}`);
  console.log(`${CONFIGS[config].label}: ${fmt(result.requests.average, 0)} requests/s under the profiler`);
  console.log(`profile: ${join(dir, file)} (warm-up included)\n`);
  console.log(summarizeProfile(join(dir, file)).join('\n'));
}

async function main(): Promise<void> {
  const started = performance.now();
  if (PIN) spawnSync('taskset', ['-a', '-p', '-c', LOAD_CPU, String(process.pid)], { stdio: 'ignore' });
  const sinkUrl = await startSink();
  const profiled = process.env.BENCH_PROFILE;
  if (profiled !== undefined) {
    if (!ALL.includes(profiled as Config)) throw new Error(`BENCH_PROFILE must be one of ${ALL.join(', ')}`);
    await profile(profiled as Config, sinkUrl);
    process.exit(0);
  }

  // ---- Throughput and CPU at saturation.
  const gateways = {} as Record<Config, Gateway>;
  for (const config of ALL) gateways[config] = await startGateway(config, sinkUrl);
  const samples: Record<Config, Sample[]> = { A: [], B: [], F: [], 'B+': [], C: [] };
  for (const config of ALL) {
    await load(gateways[config], WARM_UP_SECONDS);
    gateways[config].child.kill('SIGSTOP');
  }
  // Each round in another order, so no configuration always runs first or after the same one.
  const orders = ALL.map((_, shift) => [...ALL.slice(shift), ...ALL.slice(0, shift)]);
  for (let round = 0; round < ROUNDS; round++) {
    for (const config of orders[round % orders.length]!) {
      const sample = await alone(gateways[config], () => measureRunning(gateways[config]));
      samples[config].push(sample);
      console.log(
        `round ${round + 1} ${config}: ${fmt(sample.rps, 0)} req/s, p50 ${sample.p50} ms, p99 ${sample.p99} ms, ${fmt(sample.cpuUsPerRequest)} µs CPU/request, gateway busy ${fmt(sample.busy * 100, 0)}%`,
      );
    }
  }
  const droppedInRounds = { ...droppedSpans };
  const failedInRounds = { ...failedExports };

  const stat = (config: Config, key: keyof Sample) => spread(samples[config].map((s) => s[key]));
  const ratio = (top: Config, bottom: Config, key: keyof Sample) =>
    spread(samples[top].map((s, i) => s[key] / samples[bottom][i]![key]));
  const cpuCB = ratio('C', 'B', 'cpuUsPerRequest');
  const cpuCBplus = ratio('C', 'B+', 'cpuUsPerRequest');
  const rpsCB = ratio('C', 'B', 'rps');
  const cpuFB = ratio('F', 'B', 'cpuUsPerRequest');
  const cpuCF = ratio('C', 'F', 'cpuUsPerRequest');
  const usB = stat('B', 'cpuUsPerRequest').median;
  const usF = stat('F', 'cpuUsPerRequest').median;
  const usC = stat('C', 'cpuUsPerRequest').median;
  const ratioRow = (name: string, top: Config, bottom: Config) =>
    `| ${name} | ${cell(ratio(top, bottom, 'rps'), 3)} | ${cell(ratio(top, bottom, 'p99'), 3)} | ${cell(ratio(top, bottom, 'cpuUsPerRequest'), 3)} |`;
  const throughputLines = [
    '| configuration | requests/s | p50 ms | p99 ms | CPU µs / request | gateway busy |',
    '|---|---|---|---|---|---|',
    ...ALL.map(
      (c) =>
        `| ${CONFIGS[c].label} | ${cell(stat(c, 'rps'), 0)} | ${cell(stat(c, 'p50'))} | ${cell(stat(c, 'p99'))} | ${cell(stat(c, 'cpuUsPerRequest'))} | ${fmt(stat(c, 'busy').median * 100, 0)}% |`,
    ),
    '',
    '| ratio (median of per-round ratios, min–max) | requests/s | p99 | CPU / request |',
    '|---|---|---|---|',
    ratioRow('C/B (the plugin over stock tracing)', 'C', 'B'),
    ratioRow('C/B+ (the plugin over the same telemetry by hand)', 'C', 'B+'),
    ratioRow("F/B (the contract's telemetry, fixed values)", 'F', 'B'),
    ratioRow('C/F (the plugin beyond that telemetry)', 'C', 'F'),
    ratioRow('B+/B (the hand-written hook)', 'B+', 'B'),
    ratioRow('B/A (stock tracing over none)', 'B', 'A'),
  ];
  console.log(`\n${throughputLines.join('\n')}`);

  // ---- Streaming latency, against the same gateways (their state warm).
  const latency: Record<Config, LatencySample[]> = { A: [], B: [], F: [], 'B+': [], C: [] };
  for (const config of STREAMING) await alone(gateways[config], () => latencyRound(gateways[config], 2));
  const streamingOrders = STREAMING.map((_, shift) => [...STREAMING.slice(shift), ...STREAMING.slice(0, shift)]);
  for (let round = 0; round < LATENCY_ROUNDS; round++) {
    for (const config of streamingOrders[round % streamingOrders.length]!) {
      const sample = await alone(gateways[config], () => latencyRound(gateways[config], LATENCY_SECONDS));
      latency[config].push(sample);
      console.log(
        `latency round ${round + 1} ${config}: ${sample.streams} streams, TTFB p50 ${fmt(percentile(sample.ttfb, 0.5), 2)} p99 ${fmt(percentile(sample.ttfb, 0.99), 2)} ms, gap p50 ${fmt(percentile(sample.gaps, 0.5), 2)} p99 ${fmt(percentile(sample.gaps, 0.99), 2)} ms, ${fmt(sample.cpuUsPerStream)} µs CPU/stream`,
      );
    }
  }
  for (const config of ALL) await stopGateway(gateways[config]);

  const lat = (config: Config, which: 'ttfb' | 'gaps', p: number) =>
    spread(latency[config].map((s) => percentile(s[which], p)));
  const latRatio = (top: Config, bottom: Config, which: 'ttfb' | 'gaps', p: number) =>
    spread(latency[top].map((s, i) => percentile(s[which], p) / percentile(latency[bottom][i]![which], p)));
  const latDiff = (top: Config, bottom: Config, which: 'ttfb' | 'gaps', p: number) =>
    median(latency[top].map((s, i) => percentile(s[which], p) - percentile(latency[bottom][i]![which], p)));
  const signed = (n: number) => `${n >= 0 ? '+' : '−'}${fmt(Math.abs(n), 2)}`;
  const streamCpu = (config: Config) => spread(latency[config].map((s) => s.cpuUsPerStream));
  const latencyLines = [
    '| configuration | TTFB p50 ms | TTFB p99 ms | gap p50 ms | gap p99 ms | CPU µs / stream |',
    '|---|---|---|---|---|---|',
    ...STREAMING.map(
      (c) =>
        `| ${c} | ${cell(lat(c, 'ttfb', 0.5), 2)} | ${cell(lat(c, 'ttfb', 0.99), 2)} | ${cell(lat(c, 'gaps', 0.5), 2)} | ${cell(lat(c, 'gaps', 0.99), 2)} | ${cell(streamCpu(c), 0)} |`,
    ),
    '',
    '| ratio (median of per-round ratios, min–max) | TTFB p50 | TTFB p99 | gap p50 | gap p99 |',
    '|---|---|---|---|---|',
    ...(
      [
        ['C/B', 'C', 'B'],
        ['C/B+', 'C', 'B+'],
        ["F/B (the contract's telemetry, fixed values)", 'F', 'B'],
        ['C/F (the plugin beyond it)', 'C', 'F'],
      ] as const
    ).map(
      ([name, top, bottom]) =>
        `| ${name} | ${cell(latRatio(top, bottom, 'ttfb', 0.5), 3)} | ${cell(latRatio(top, bottom, 'ttfb', 0.99), 3)} | ${cell(latRatio(top, bottom, 'gaps', 0.5), 3)} | ${cell(latRatio(top, bottom, 'gaps', 0.99), 3)} |`,
    ),
    '',
    ...(['C', 'F'] as const).map(
      (top) =>
        `${top}−B, median of per-round differences: time to first byte p50 ${signed(latDiff(top, 'B', 'ttfb', 0.5))} ms, p99 ${signed(latDiff(top, 'B', 'ttfb', 0.99))} ms; gap p50 ${signed(latDiff(top, 'B', 'gaps', 0.5))} ms, p99 ${signed(latDiff(top, 'B', 'gaps', 0.99))} ms.`,
    ),
  ];
  console.log(`\n${latencyLines.join('\n')}`);

  // Each load that stops leaves up to CONNECTIONS requests in flight, which the gateway finishes and
  // records without the client counting them: more records than completed requests is expected.
  const recordLine = `Interception records received by the sink: ${(['F', 'C'] as const).map((c) => `${c} ${recordsReceived[c].toLocaleString('en')} for ${interceptionsSent[c].toLocaleString('en')} interceptions completed by the clients (${Math.max(0, interceptionsSent[c] - recordsReceived[c])} missing)`).join(', ')}; the surplus is requests in flight when a load stopped. A, B and B+ emit none.`;
  console.log(`\n${recordLine}`);

  // ---- In-flight memory.
  const readings: Record<Config, { heap: number[]; rss: number[] }> = {
    A: { heap: [], rss: [] },
    B: { heap: [], rss: [] },
    F: { heap: [], rss: [] },
    'B+': { heap: [], rss: [] },
    C: { heap: [], rss: [] },
  };
  for (let repeat = 0; repeat < MEMORY_REPEATS; repeat++) {
    for (const config of MEMORY) {
      const { idle, open } = await openStreamsMemory(config, sinkUrl);
      readings[config].heap.push((open.heapUsed - idle.heapUsed) / OPEN_STREAMS);
      readings[config].rss.push((open.rss - idle.rss) / OPEN_STREAMS);
      console.log(
        `memory ${config}: heap ${fmt(idle.heapUsed / 1048576)} → ${fmt(open.heapUsed / 1048576)} MB, RSS ${fmt(idle.rss / 1048576)} → ${fmt(open.rss / 1048576)} MB with ${OPEN_STREAMS} streams open`,
      );
    }
  }
  const kb = (bytes: number) => fmt(bytes / 1000, 2);
  const memCell = (values: number[]) => `${kb(median(values))} (${kb(Math.min(...values))}–${kb(Math.max(...values))})`;
  const heapMore = spread(readings.C.heap.map((h, i) => h - readings.B.heap[i]!));
  const memoryLines = [
    `| configuration | heap KB per open stream | RSS KB per open stream |`,
    '|---|---|---|',
    ...MEMORY.map((c) => `| ${c} | ${memCell(readings[c].heap)} | ${memCell(readings[c].rss)} |`),
  ];
  console.log(`\n${memoryLines.join('\n')}`);

  const heap = await heapCheck(sinkUrl);
  const mb = (bytes: number) => fmt(bytes / 1048576);
  const heapLine = `Heap of C after a warm-up of ${WARM_UP_REQUESTS.toLocaleString('en')} requests (${heap.warmKeys.toLocaleString('en')} distinct credentials: the 10,000-entry caches full) ${mb(heap.warm)} MB, after ${MEMORY_REQUESTS.toLocaleString('en')} more ${mb(heap.after)} MB (growth ${mb(heap.after - heap.warm)} MB); RSS ${mb(heap.rssWarm)} → ${mb(heap.rssAfter)} MB.`;
  console.log(`\n${heapLine}`);

  console.log('\nmicro-benchmark of the hooks (bench/micro.mts):');
  const hooks = micro('bench/micro.mts');
  console.log(hooks.text);
  console.log('\nmicro-benchmark of the usage readers (bench/usage-readers.mts):');
  const readers = micro('bench/usage-readers.mts');
  console.log(readers.text);
  const minutes = (performance.now() - started) / 60_000;

  // ---- Targets.
  const ttfb50 = latRatio('C', 'B', 'ttfb', 0.5).median;
  const gap50 = latRatio('C', 'B', 'gaps', 0.5).median;
  const ttfb99 = latRatio('C', 'B', 'ttfb', 0.99).median;
  const gap99 = latRatio('C', 'B', 'gaps', 0.99).median;
  const worstSse = readers.figures.worstSseNsPerKB!;
  const worstJson = readers.figures.worstJsonNsPerKB!;
  const beyond = hooks.figures.beyondNs!;
  const targets = [
    '| target | measured | |',
    '|---|---|---|',
    `| CPU per request, C/B ≤ 1.10 | ${fmt(cpuCB.median, 3)} | ${verdict(cpuCB.median <= 1.1)} |`,
    `| CPU per request, C/B+ ≤ 0.80 | ${fmt(cpuCBplus.median, 3)} | ${verdict(cpuCBplus.median <= 0.8)} |`,
    `| throughput, C/B ≥ 0.92 | ${fmt(rpsCB.median, 3)} | ${verdict(rpsCB.median >= 0.92)} |`,
    `| streaming, p50 time to first byte C/B ≤ 1.02 | ${fmt(ttfb50, 3)} | ${verdict(ttfb50 <= 1.02)} |`,
    `| streaming, p50 gap between events C/B ≤ 1.02 | ${fmt(gap50, 3)} | ${verdict(gap50 <= 1.02)} |`,
    `| streaming, p99 time to first byte C/B ≤ 1.10 | ${fmt(ttfb99, 3)} | ${verdict(ttfb99 <= 1.1)} |`,
    `| streaming, p99 gap between events C/B ≤ 1.10 | ${fmt(gap99, 3)} | ${verdict(gap99 <= 1.1)} |`,
    `| in-flight memory, C at most 2 KB (2,000 bytes) more per open stream than B | ${fmt(heapMore.median, 0)} bytes of heap more (median of ${MEMORY_REPEATS}; ${fmt(heapMore.min, 0)} to ${fmt(heapMore.max, 0)}) | ${verdict(heapMore.median <= 2000)} |`,
    `| usage readers ≤ 1 µs per KB of SSE (median over rounds, worst case) | ${fmt(worstSse, 0)} ns/KB | ${verdict(worstSse <= 1000)} |`,
    `| usage readers ≤ 1 µs per KB of JSON (median over rounds, worst case) | ${fmt(worstJson, 0)} ns/KB | ${verdict(worstJson <= 1000)} |`,
    `| usage readers: no allocation that grows with the response | ${fmt(readers.figures.worstHeldBytes!, 0)} bytes held by a reader halfway through 1 MiB, at most | ${verdict(readers.figures.worstHeldBytes! <= 4096)} |`,
    `| the plugin's hooks beyond the SDK's recording ≤ 0.5 µs per interception (less the usage reader, counted above) | ${fmt(hooks.figures.jsonBeyondNs!, 0)} ns with a JSON answer, ${fmt(hooks.figures.streamBeyondNs!, 0)} ns with a 40-event stream | ${verdict(beyond <= 500)} |`,
    `| the telemetry's share of C/B | F/B ${fmt(cpuFB.median, 3)}, C/F ${fmt(cpuCF.median, 3)}: of C's ${fmt(usC - usB)} µs per request over B, the telemetry with fixed values is ${fmt(usF - usB)} µs (${fmt((100 * (usF - usB)) / (usC - usB), 0)}%) | |`,
  ];
  console.log(`\n${targets.join('\n')}`);

  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${mb(totalmem())} MB, Linux, Node ${process.version}`;
  const report = [
    '# Benchmark results',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${machine}, with \`${[...settings(), 'npm run bench'].join(' ')}\` (${fmt(minutes)} minutes).`,
    '',
    `Mix: ${MIX_DESCRIPTION}. The provider is folded into the gateway (\`bench/gateway.cjs\`): it parses each request's body and answers at once, a stream's events each on its own turn of the event loop.`,
    '',
    "Exporters: OTLP over HTTP (protobuf) to a local sink that answers at once, batch span processor, metrics every 10 s. F and C also send the interception records through the SDK's logs pipeline (`OTEL_LOGS_EXPORTER=otlp`, batch log record processor) to the sink; A, B and B+ have no records (`OTEL_LOGS_EXPORTER=none`): the hand-written hook (B+) produces the span attributes, the span event and the metrics, not the records.",
    '',
    '## Targets',
    '',
    ...targets,
    '',
    '## CPU and throughput at saturation',
    '',
    `After ${WARM_UP_SECONDS} s of warm-up each, ${ROUNDS} rounds of ${SECONDS} s per configuration, interleaved (each round in another order), ${CONNECTIONS} connections from autocannon in the same machine${PIN ? `; gateway pinned to CPU ${GATEWAY_CPU}, load generator and sink to CPU ${LOAD_CPU}` : ', unpinned'}; only the measured gateway runs, the others are stopped. CPU is user + system time of the gateway process over the round.`,
    `${distinctCredentials(ROUND_MIX, ROUND_MIX.length)} distinct credentials; each connection sends the same ${ROUND_MIX.length}-request sequence from its start, in which any ten consecutive requests hold every call and every caller once.`,
    `Spans dropped because exports fell behind: ${ALL.map((c) => `${c} ${droppedInRounds[c]}`).join(', ')}; exports timed out: ${ALL.map((c) => `${c} ${failedInRounds[c]}`).join(', ')}. ${recordLine}`,
    `Rounds during which the host took more than ${STEAL_LIMIT * 100}% of the gateway's core (steal time) were measured again: ${rerunRounds} of them; ${keptDespiteSteal} still above it after ${MAX_ATTEMPTS} attempts were kept.`,
    '',
    ...throughputLines,
    '',
    '## Streaming latency',
    '',
    `The same gateways, afterwards: ${STREAMS} streams open at a time (the streaming calls of the mix, each a new one as soon as the last ends), the provider sending its events ${PACE_MS} ms apart, the first ${PACE_MS} ms after it has read the request. Seen by the client: time to first byte from sending the request, and the gaps between the ends of consecutive events. ${LATENCY_ROUNDS} interleaved rounds of ${LATENCY_SECONDS} s per configuration; the percentiles are per round, then the median (min–max) over rounds.`,
    '',
    ...latencyLines,
    '',
    '## In-flight memory',
    '',
    `Each configuration alone, started afresh, warmed with 2,000 requests of the mix; then ${OPEN_STREAMS.toLocaleString('en')} streams of the mix opened at once, each held by the provider halfway through its events (the first half written), read after a full garbage collection against the same reading before. ${MEMORY_REPEATS} times each, interleaved; median (min–max).`,
    '',
    ...memoryLines,
    '',
    heapLine,
    '',
    '## Micro-benchmarks',
    '',
    "The plugin's hooks, without HTTP (`npm run bench:micro`):",
    '',
    '```',
    hooks.text,
    '```',
    '',
    'The usage readers alone (`npm run build && node bench/usage-readers.mts`):',
    '',
    '```',
    readers.text,
    '```',
    '',
  ].join('\n');
  writeFileSync(join(ROOT, 'bench', 'RESULTS.md'), report);
  console.log(`\nwrote bench/RESULTS.md (${fmt(minutes)} minutes)`);
}

await main();
process.exit(0);
