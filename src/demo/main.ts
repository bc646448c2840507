/**
 * `npm start`: the whole story on one machine. A mock provider, the reference gateway with the
 * plugin preloaded, traffic from the official OpenAI and Anthropic client libraries, and a summary
 * read back from what the plugin exported.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256Hex } from '../resolution/credential';
import { Collector, type CollectedSpan } from './collector';
import { startGatewayProcess, type GatewayProcess } from './gateway-process';
import { createMockUpstream } from './mock-upstream';
import { parseOptions, UsageError, USAGE, type DemoOptions } from './options';
import { ensurePortFree, isListening } from './ports';
import { parsePrometheusText } from './prometheus-text';
import { renderSummary, summarise } from './summary';
import { ALICE, BOB, CALLS, DEMO_JWT_SECRET, OWNERS, send, SERVICE_ACCOUNT, type Caller } from './traffic';

const OTLP_HOST = 'localhost';
const OTLP_PORT = 4318;
const SPANS_TIMEOUT_MS = 10_000;

const isInterception = (span: CollectedSpan) => span.kind === 2 && span.attributes['initiator.override'] !== undefined;
const say = (text = '') => process.stdout.write(`${text}\n`);

async function main(options: DemoOptions): Promise<number> {
  await ensurePortFree(options.port, 'the gateway', '--port');
  await ensurePortFree(options.metricsPort, 'the Prometheus endpoint', '--metrics-port');

  const realOpenAI = process.env.UPSTREAM_OPENAI_URL;
  const realAnthropic = process.env.UPSTREAM_ANTHROPIC_URL;
  let mock: Server | undefined;
  let mockUrl = '';
  if (!realOpenAI || !realAnthropic) {
    mock = createMockUpstream();
    mockUrl = await listenLoopback(mock);
  }

  const jaegerListens = await isListening(OTLP_HOST, OTLP_PORT);
  let live = false;
  const collector = new Collector({
    ...(jaegerListens && { forwardTo: `http://${OTLP_HOST}:${OTLP_PORT}` }),
    onSpan: (span) => {
      if (live && isInterception(span)) say(describeLive(span));
    },
  });
  const collectorUrl = await collector.listen();

  const credentialsFile = writeCredentialsFile([
    [SERVICE_ACCOUNT, 'svc-coder-agents', true],
    [ALICE, 'alice', false],
    [BOB, 'bob', false],
  ]);
  say('Starting the reference gateway with the plugin preloaded:');
  say('  node --require aibridge-initiator-otel/register dist/demo/gateway.js');
  say(`  AIBRIDGE_CREDENTIALS_FILE=${credentialsFile} (names the demo keys by hash; only the service account may delegate)`);
  const gateway = await startGatewayProcess({
    PORT: String(options.port),
    UPSTREAM_OPENAI_URL: realOpenAI || `${mockUrl}/v1`,
    UPSTREAM_ANTHROPIC_URL: realAnthropic || mockUrl,
    OTEL_SERVICE_NAME: 'aibridge-demo-gateway',
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${collectorUrl}/v1/traces`,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    // Spans reach the summary within a fraction of a second instead of the default five.
    OTEL_BSP_SCHEDULE_DELAY: '100',
    OTEL_METRICS_EXPORTER: 'prometheus',
    OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
    OTEL_EXPORTER_PROMETHEUS_PORT: String(options.metricsPort),
    OTEL_LOGS_EXPORTER: 'none',
    // Names the known keys, and lets only the service account delegate to an owner header:
    // a spoofed User-Agent with another key is not enough.
    AIBRIDGE_CREDENTIALS_FILE: credentialsFile,
    // Single sign-on tokens are JWTs from the demo's identity provider.
    AIBRIDGE_JWT_SECRET: DEMO_JWT_SECRET,
  });
  say(`Gateway: ${gateway.url}   upstream: ${realOpenAI || realAnthropic ? 'real providers where set, mock otherwise' : `built-in mock at ${mockUrl}`}`);
  say();

  say(`Sending ${CALLS.length} calls with the openai and @anthropic-ai/sdk client libraries:`);
  let failures = 0;
  for (const [index, call] of CALLS.entries()) {
    const what = `${String(index + 1).padStart(2)}. ${call.story} (${call.endpoint}${call.stream ? ', streamed' : ''})`;
    try {
      await send(gateway.url, call);
      say(`  ${what}`);
    } catch (error) {
      failures += 1;
      say(`  ${what}: FAILED: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  say();

  const metricsUrl = `http://127.0.0.1:${options.metricsPort}/metrics`;
  const samples = parsePrometheusText(await (await fetch(metricsUrl)).text());
  const spans = await waitFor(() => collector.spans.filter(isInterception), CALLS.length, SPANS_TIMEOUT_MS);
  say(renderSummary(summarise(spans, samples)));
  say();
  say('Where to look next:');
  say(`  Prometheus: curl -s ${metricsUrl} | grep aibridge_`);
  say(
    jaegerListens
      ? `  Traces: passed on to the OTLP endpoint at ${OTLP_HOST}:${OTLP_PORT} (${collector.forwarded} exports, ${collector.forwardFailures} failed); in Jaeger, search for tag initiator.override=true`
      : `  Traces: no Jaeger or collector listens on ${OTLP_HOST}:${OTLP_PORT}, so the traces above stayed in this demo. Start one (see README) and run again to find them there.`,
  );

  if (options.once) {
    gateway.child.kill('SIGTERM');
    const how = await gateway.exited;
    await Promise.all([collector.close(), mock && closeServer(mock)]);
    if (failures > 0) say(`\n${failures} call(s) failed.`);
    return failures === 0 && how === 0 ? 0 : 1;
  }

  say();
  say('The gateway keeps running. Try it (any key works; only the demo service account, see');
  say('src/demo/traffic.ts, may delegate, so with yours the header is rejected credential_not_trusted):');
  say();
  say(`  curl -s ${gateway.url}/openai/v1/chat/completions \\`);
  say(`    -H 'content-type: application/json' -H 'user-agent: coder-agents/2.24.1' \\`);
  say(`    -H "authorization: Bearer $YOUR_KEY" -H 'x-coder-owner-id: ${OWNERS.dana}' \\`);
  say(`    -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}'`);
  say();
  say('New interceptions are printed as their spans arrive. Ctrl-C stops.');
  live = true;
  return stopOnSignal(gateway, collector, mock);
}

/** The demo's credentials file: hashes of the demo keys, never the keys. */
function writeCredentialsFile(known: readonly (readonly [Caller, string, boolean])[]): string {
  const path = join(mkdtempSync(join(tmpdir(), 'aibridge-demo-')), 'credentials.json');
  const credentials = known.map(([caller, initiator, delegate]) => ({ sha256: sha256Hex(caller.key), initiator, ...(delegate && { delegate }) }));
  writeFileSync(path, `${JSON.stringify({ credentials }, null, 2)}\n`);
  return path;
}

function describeLive(span: CollectedSpan): string {
  const a = span.attributes;
  const rejected = a['initiator.override.rejected_reason'];
  return `  interception ${String(a['url.path'] ?? '')}  client=${String(a['aibridge.client'])}  enduser.id=${String(a['enduser.id'] ?? '(none)')}  override=${String(a['initiator.override'])}${rejected ? `  rejected=${String(rejected)}` : ''}  trace=${span.traceId}`;
}

function stopOnSignal(gateway: GatewayProcess, collector: Collector, mock: Server | undefined): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      gateway.child.kill('SIGTERM');
      void gateway.exited.then(async () => {
        await Promise.all([collector.close(), mock && closeServer(mock)]);
        resolve(0);
      });
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    void gateway.exited.then((how) => {
      if (stopping) return;
      say(`The gateway stopped on its own (${how}).`);
      stop();
    });
  });
}

async function waitFor<T>(read: () => T[], count: number, timeoutMs: number): Promise<T[]> {
  const deadline = Date.now() + timeoutMs;
  let items = read();
  while (items.length < count && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    items = read();
  }
  return items;
}

function listenLoopback(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

let options: DemoOptions;
try {
  options = parseOptions(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${error instanceof UsageError ? error.message : String(error)}\n${USAGE}\n`);
  process.exit(2);
}
main(options).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
