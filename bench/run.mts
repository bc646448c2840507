// `npm run bench`: what the plugin costs a gateway, against the stock OpenTelemetry HTTP
// instrumentation, in one run. Configurations of the same gateway, driven in turn over several
// rounds (the machine is noisy): (A) no OpenTelemetry, (B) NodeSDK with stock instrumentation-http,
// (B+) B carrying the plugin's telemetry with fixed values, (C) the plugin. Then the heap over many
// requests through C, and the hot-path micro-benchmark. Writes bench/RESULTS.md.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { distinctCredentials, interceptionMix, sharedSequence } from './traffic.mts';

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
const MEMORY_REQUESTS = Number(process.env.BENCH_MEMORY_REQUESTS ?? 300_000);
const CLOCK_TICKS = 100; // getconf CLK_TCK on Linux
// The gateways get one core and the load generator (this process) the other, so the two do not take
// turns on the same core and a gateway's CPU time per request stays comparable across rounds; only
// the gateway being measured runs, the others are stopped. BENCH_PIN=0 turns pinning off; it needs
// two cores and taskset (util-linux).
const PIN = process.env.BENCH_PIN !== '0' && cpus().length >= 2 && spawnSync('taskset', ['--version']).status === 0;
const GATEWAY_CPU = '1';
const LOAD_CPU = '0';

type Config = 'A' | 'B' | 'B+' | 'C';
const CONFIGS: Record<Config, { label: string; preload: string[] }> = {
  A: { label: 'A: no OpenTelemetry', preload: [] },
  B: { label: 'B: NodeSDK + stock instrumentation-http', preload: ['--require', './bench/stock-register.cjs'] },
  'B+': {
    label: "B+: B carrying the plugin's telemetry, fixed values, no resolution",
    preload: ['--require', './bench/stock-plus-register.cjs'],
  },
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
  /** Share of one core the gateway used over the window. */
  readonly busy: number;
}

async function startSink(): Promise<string> {
  // Stands in for a collector: accepts every export at once.
  const sink = createServer((req, res) => {
    req.resume();
    // An empty body is a valid (empty) protobuf export response.
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
  });
  // Idle connections stay open: a gateway stopped between its rounds must find its exporter's
  // connection alive when it resumes, not reset, which would send its exports into retries.
  sink.keepAliveTimeout = 0;
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  sink.unref();
  return `http://127.0.0.1:${(sink.address() as { port: number }).port}`;
}

// A configuration whose exports fell behind did less work than the others: reported with the results.
const droppedSpans: Record<Config, number> = { A: 0, B: 0, 'B+': 0, C: 0 };
const failedExports: Record<Config, number> = { A: 0, B: 0, 'B+': 0, C: 0 };

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
      OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl,
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_LOGS_EXPORTER: 'none',
      OTEL_METRIC_EXPORT_INTERVAL: '10000',
      OTEL_NODE_RESOURCE_DETECTORS: 'none',
      // The SDK's warnings, among them spans dropped because exports fell behind.
      OTEL_LOG_LEVEL: 'warn',
      // The sink answers at once; an export sent just before a gateway was stopped between its
      // rounds must not time out when it resumes.
      OTEL_EXPORTER_OTLP_TIMEOUT: '60000',
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

// autocannon walks the `requests` array from its start on each connection: a mix short enough for
// every connection to send all of it within a round even at the lowest rate seen, so that every
// configuration meets the same credentials.
const ROUND_MIX = interceptionMix(200);

function load(url: string, seconds: number, requests = ROUND_MIX): Promise<AutocannonResult> {
  return autocannon({ url, connections: CONNECTIONS, duration: seconds, requests });
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

async function measure(gateway: Gateway): Promise<Sample> {
  // Between its rounds a gateway is stopped, so that what it still has to do (exporting the spans
  // of its last round) runs in its own rounds and on its own account, not in another's.
  gateway.child.kill('SIGCONT');
  try {
    return await measureRunning(gateway);
  } finally {
    gateway.child.kill('SIGSTOP');
  }
}

async function measureRunning(gateway: Gateway): Promise<Sample> {
  for (let attempt = 1; ; attempt++) {
    const cpuBefore = cpuMicros(gateway.child.pid!);
    const stealBefore = stealTicks();
    const result = await load(gateway.url, SECONDS);
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
const fmt = (n: number, digits = 1) => n.toFixed(digits);

const WARM_UP_REQUESTS = 60_000;

async function heapCheck(
  sinkUrl: string,
): Promise<{ warm: number; after: number; rssWarm: number; rssAfter: number; warmKeys: number }> {
  const gateway = await startGateway('C', sinkUrl, ['--expose-gc']);
  const memory = async () =>
    (await (await fetch(`${gateway.url}/__memory`)).json()) as { heapUsed: number; rss: number };
  // Every request of the warm-up carries a new credential where the mix has an ordinary user, more
  // than the 10,000 entries of the digest cache, so it is full and evicting before the first reading.
  const mix = interceptionMix(WARM_UP_REQUESTS + MEMORY_REQUESTS, WARM_UP_REQUESTS);
  const requests = sharedSequence(mix);
  await autocannon({ url: gateway.url, connections: CONNECTIONS, amount: WARM_UP_REQUESTS, requests });
  const warm = await memory();
  await autocannon({ url: gateway.url, connections: CONNECTIONS, amount: MEMORY_REQUESTS, requests });
  const after = await memory();
  const exited = new Promise((resolve) => gateway.child.once('exit', resolve));
  gateway.child.kill('SIGTERM');
  // The micro-benchmark runs next: not while this gateway is still flushing.
  await exited;
  return {
    warm: warm.heapUsed,
    after: after.heapUsed,
    rssWarm: warm.rss,
    rssAfter: after.rss,
    warmKeys: distinctCredentials(mix, WARM_UP_REQUESTS),
  };
}

async function main(): Promise<void> {
  if (PIN) spawnSync('taskset', ['-a', '-p', '-c', LOAD_CPU, String(process.pid)], { stdio: 'ignore' });
  const sinkUrl = await startSink();
  const gateways = {
    A: await startGateway('A', sinkUrl),
    B: await startGateway('B', sinkUrl),
    'B+': await startGateway('B+', sinkUrl),
    C: await startGateway('C', sinkUrl),
  };
  const samples: Record<Config, Sample[]> = { A: [], B: [], 'B+': [], C: [] };
  for (const config of ALL) {
    await load(gateways[config].url, WARM_UP_SECONDS);
    gateways[config].child.kill('SIGSTOP');
  }
  // Each round in another order, so no configuration always runs first or after the same one.
  const orders = ALL.map((_, shift) => [...ALL.slice(shift), ...ALL.slice(0, shift)]);
  for (let round = 0; round < ROUNDS; round++) {
    for (const config of orders[round % orders.length]!) {
      const sample = await measure(gateways[config]);
      samples[config].push(sample);
      console.log(
        `round ${round + 1} ${config}: ${fmt(sample.rps, 0)} req/s, p50 ${sample.p50} ms, p99 ${sample.p99} ms, ${fmt(sample.cpuUsPerRequest)} µs CPU/request, gateway busy ${fmt(sample.busy * 100, 0)}%`,
      );
    }
  }
  const droppedInRounds = { ...droppedSpans };
  const failedInRounds = { ...failedExports };
  for (const gateway of Object.values(gateways)) {
    gateway.child.kill('SIGCONT');
    gateway.child.kill('SIGTERM');
  }

  const stat = (config: Config, key: keyof Sample) => {
    const values = samples[config].map((s) => s[key]);
    return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
  };
  const ratio = (top: Config, bottom: Config, key: keyof Sample) => {
    const pairwise = samples[top].map((s, i) => s[key] / samples[bottom][i]![key]);
    return { median: median(pairwise), min: Math.min(...pairwise), max: Math.max(...pairwise) };
  };
  const cell = (s: { median: number; min: number; max: number }, digits = 1) =>
    `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;

  const lines = [
    '| configuration | requests/s | p50 ms | p99 ms | CPU µs / request | gateway busy |',
    '|---|---|---|---|---|---|',
    ...ALL.map(
      (c) =>
        `| ${CONFIGS[c].label} | ${cell(stat(c, 'rps'), 0)} | ${cell(stat(c, 'p50'))} | ${cell(stat(c, 'p99'))} | ${cell(stat(c, 'cpuUsPerRequest'))} | ${fmt(stat(c, 'busy').median * 100, 0)}% |`,
    ),
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
  const heapLine = `Heap after warm-up (${WARM_UP_REQUESTS.toLocaleString('en')} requests, ${heap.warmKeys.toLocaleString('en')} distinct credentials: the 10,000-entry caches full) ${mb(heap.warm)} MB, after ${MEMORY_REQUESTS.toLocaleString('en')} more ${mb(heap.after)} MB (growth ${mb(heap.after - heap.warm)} MB); RSS ${mb(heap.rssWarm)} → ${mb(heap.rssAfter)} MB.`;
  console.log(`\n${heapLine}`);

  console.log('\nmicro-benchmark of the hot path (bench/micro.mts):');
  const micro = spawnSync(process.execPath, ['bench/micro.mts'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
  console.log(micro);

  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${mb(totalmem())} MB, Linux, Node ${process.version}`;
  const report = [
    '# Benchmark results',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${machine}, with \`npm run bench\``,
    `(after ${WARM_UP_SECONDS} s of warm-up each, ${ROUNDS} rounds of ${SECONDS} s per configuration, interleaved, ${CONNECTIONS} connections, autocannon in the same machine${PIN ? `, gateway pinned to CPU ${GATEWAY_CPU} and load generator to CPU ${LOAD_CPU}` : ', unpinned'}).`,
    `Mix: 6 in 10 Coder Agents calls with an owner header, 3 ordinary users, 1 refused owner header (${distinctCredentials(ROUND_MIX, ROUND_MIX.length)} distinct credentials, each connection sending the same ${ROUND_MIX.length}-request sequence in turn); 330-byte JSON bodies.`,
    `Spans dropped because exports fell behind: ${ALL.map((c) => `${c} ${droppedInRounds[c]}`).join(', ')}; exports timed out: ${ALL.map((c) => `${c} ${failedInRounds[c]}`).join(', ')}.`,
    `Rounds during which the host took more than ${STEAL_LIMIT * 100}% of the gateway's core (steal time) were measured again: ${rerunRounds} of them; ${keptDespiteSteal} still above it after ${MAX_ATTEMPTS} attempts were kept.`,
    'Exporters for B, B+ and C: OTLP over HTTP to a local sink, batch span processor, metrics every 10 s. CPU is user + system time of the gateway process over the loaded window.',
    '',
    ...lines,
    '',
    heapLine,
    '',
    "Per call, without HTTP (`npm run bench:micro`): resolution alone; one interception's objects and server span bare, with the contract's telemetry as fixed values, and through the plugin's hooks, on real SDK spans and meters; and the OTLP protobuf serialization of a batch of spans without and with that telemetry:",
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
