/**
 * `npm start`: the whole story on one machine. A mock provider, the reference gateway with the
 * plugin preloaded, traffic from the official OpenAI and Anthropic client libraries, and a summary
 * read back from what the plugin exported.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { constants } from 'node:os';
import { join } from 'node:path';
import { PROMETHEUS_METRIC_NAMES } from 'aibridge-initiator-otel';
import { ALICE, BOB, DEMO_JWT_SECRET, OWNERS, SERVICE_ACCOUNT } from './callers';
import { Collector, type CollectedSpan } from './collector';
import { writeCredentialsFile } from './credentials-file';
import { launchGateway, stopGateway } from './gateway-process';
import { createMockUpstream } from './mock-upstream';
import { parseOptions, UsageError, USAGE, type DemoOptions } from './options';
import { ensurePortFree, isListening } from './ports';
import { parsePrometheusText, sumOf, type Sample } from './prometheus-text';
import { renderSummary, summarise } from './summary';
import { Teardown } from './teardown';
import { CALLS, send, usageFor, type Call } from './traffic';

// Run from examples/demo/dist/: the package root is three levels up, the gateway one.
const PACKAGE_ROOT = join(__dirname, '..', '..', '..');
const GATEWAY_SCRIPT = join(__dirname, '..', 'gateway.cjs');
const OTLP_HOST = 'localhost';
const OTLP_PORT = 4318;
const SPANS_TIMEOUT_MS = 10_000;

// The mock paces streamed events like a model producing tokens, so streamed interceptions last visibly longer.
const MOCK_STEP_MS = 15;

const isInterception = (span: CollectedSpan) => span.kind === 2 && span.attributes['initiator.override'] !== undefined;
// Quiet once a signal has stopped the demo: what is still under way fails as it is torn down.
let quiet = false;
const say = (text = '') => {
  if (!quiet) process.stdout.write(`${text}\n`);
};

/** How far the demo got: once the gateway serves the user, a signal is the demo's normal end. */
interface Progress {
  serving: boolean;
}

async function main(options: DemoOptions, teardown: Teardown, progress: Progress): Promise<number> {
  await ensurePortFree(options.port, 'the gateway', '--port');
  await ensurePortFree(options.metricsPort, 'the Prometheus endpoint', '--metrics-port');

  const realOpenAI = process.env.UPSTREAM_OPENAI_URL;
  const realAnthropic = process.env.UPSTREAM_ANTHROPIC_URL;
  let mockUrl = '';
  if (!realOpenAI || !realAnthropic) {
    const mock = createMockUpstream({ streamStepMs: MOCK_STEP_MS });
    mockUrl = await listenLoopback(mock);
    teardown.add(() => closeServer(mock));
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
  teardown.add(() => collector.close());

  const credentialsFile = writeCredentialsFile([
    { caller: SERVICE_ACCOUNT, initiator: 'svc-coder-agents', delegate: true },
    { caller: ALICE, initiator: 'alice', delegate: false },
    { caller: BOB, initiator: 'bob', delegate: false },
  ]);
  teardown.add(() => credentialsFile.remove());
  say('Starting the reference gateway with the plugin preloaded:');
  say('  node --require aibridge-initiator-otel/register examples/demo/gateway.cjs');
  say(
    `  AIBRIDGE_CREDENTIALS_FILE=${credentialsFile.path} (names the demo keys by hash; only the service account may delegate)`,
  );
  const launched = launchGateway({
    script: GATEWAY_SCRIPT,
    preload: '--require',
    cwd: PACKAGE_ROOT,
    env: {
      ...process.env,
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
      AIBRIDGE_CREDENTIALS_FILE: credentialsFile.path,
      // Single sign-on tokens are JWTs from the demo's identity provider.
      AIBRIDGE_JWT_SECRET: DEMO_JWT_SECRET,
    },
    // The gateway's stderr (plugin warnings included) is passed through, prefixed.
    onStderr: (chunk) => {
      for (const line of chunk.split('\n')) if (line.trim()) process.stderr.write(`  gateway: ${line}\n`);
    },
  });
  teardown.add(() => stopGateway(launched.child, launched.exited));
  const gateway = await launched.started.catch(() => {
    throw new Error('the gateway stopped before listening (its output is above)');
  });
  say(
    `Gateway: ${gateway.url}   upstream: ${realOpenAI || realAnthropic ? 'real providers where set, mock otherwise' : `built-in mock at ${mockUrl}`}`,
  );
  say();

  say(`Sending ${CALLS.length} calls with the openai and @anthropic-ai/sdk client libraries:`);
  let failures = 0;
  const sent: Call[] = [];
  for (const [index, call] of CALLS.entries()) {
    const what = `${String(index + 1).padStart(2)}. ${call.story} (${call.endpoint}${call.stream ? ', streamed' : ''}, ${call.model})`;
    try {
      await send(gateway.url, call);
      sent.push(call);
      say(`  ${what}`);
    } catch (error) {
      failures += 1;
      say(`  ${what}: FAILED: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  say();

  const metricsUrl = `http://127.0.0.1:${options.metricsPort}/metrics`;
  const spans = await waitFor(() => collector.spans.filter(isInterception), CALLS.length, SPANS_TIMEOUT_MS);
  const samples = await scrapeAfter(metricsUrl, spans.length, SPANS_TIMEOUT_MS);
  // Only the mock's report is known: with a real provider there is nothing to compare the tokens with.
  const mockUsage = realOpenAI || realAnthropic ? undefined : sent.map(usageFor);
  say(renderSummary(summarise(spans, samples, mockUsage)));
  say();
  say('Where to look next:');
  say(
    options.once
      ? '  Prometheus: the endpoint stops with the gateway (--once); without --once it stays up to be scraped.'
      : `  Prometheus: curl -s ${metricsUrl} | grep aibridge_`,
  );
  say(
    jaegerListens
      ? `  Traces: passed on to the OTLP endpoint at ${OTLP_HOST}:${OTLP_PORT} (${collector.forwarded} exports, ${collector.forwardFailures} failed); in Jaeger, search for tag initiator.override=true`
      : `  Traces: no Jaeger or collector listens on ${OTLP_HOST}:${OTLP_PORT}, so the traces above stayed in this demo. Start one (see docs/demo.md) and run again to find them there.`,
  );

  if (options.once) {
    const how = await stopGateway(gateway.child, gateway.exited);
    if (how.code !== 0) say(`\nThe gateway ended with ${how.code ?? how.signal}.`);
    if (failures > 0) say(`\n${failures} call(s) failed.`);
    return failures === 0 && how.code === 0 ? 0 : 1;
  }

  say();
  say('The gateway keeps running. Try it (any key works; only the demo service account, see');
  say('examples/demo/callers.ts, may delegate, so with yours the header is rejected credential_not_trusted):');
  say();
  say(`  curl -s ${gateway.url}/openai/v1/chat/completions \\`);
  say(`    -H 'content-type: application/json' -H 'user-agent: coder-agents/2.24.1' \\`);
  say(`    -H "authorization: Bearer $YOUR_KEY" -H 'x-coder-owner-id: ${OWNERS.dana}' \\`);
  say(`    -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}'`);
  say();
  say('New interceptions are printed as their spans arrive. Ctrl-C stops.');
  live = true;
  progress.serving = true;
  const how = await gateway.exited;
  say(`The gateway stopped on its own (${how.code ?? how.signal}).`);
  return how.code === 0 ? 0 : 1;
}

function describeLive(span: CollectedSpan): string {
  const a = span.attributes;
  const rejected = a['initiator.override.rejected_reason'];
  const conversation = a['gen_ai.conversation.id'];
  const input = a['gen_ai.usage.input_tokens'];
  const tokens =
    input === undefined
      ? `usage=${String(a['aibridge.usage.unavailable'] ?? 'none')}`
      : `tokens=${String(input)} in/${String(a['gen_ai.usage.output_tokens'])} out`;
  return `  interception ${String(a['url.path'] ?? '')}  client=${String(a['aibridge.client'])}  enduser.id=${String(a['enduser.id'] ?? '(none)')}  override=${String(a['initiator.override'])}${rejected ? `  rejected=${String(rejected)}` : ''}${conversation === undefined ? '' : `  conversation=${String(conversation)}`}  ${tokens}  trace=${span.traceId}`;
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

/**
 * The Prometheus samples once they count `interceptions`: the plugin records an interception's
 * metrics when its usage is known, which may be just after its span has been exported.
 */
async function scrapeAfter(metricsUrl: string, interceptions: number, timeoutMs: number): Promise<Sample[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const samples = parsePrometheusText(await (await fetch(metricsUrl)).text());
    if (sumOf(samples, PROMETHEUS_METRIC_NAMES.interceptions) >= interceptions || Date.now() > deadline) return samples;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function listenLoopback(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

/** Runs the demo; whatever ends it (its own end, an error, Ctrl-C), what it started is stopped and removed. */
async function run(argv: readonly string[]): Promise<number> {
  let options: DemoOptions;
  try {
    options = parseOptions(argv);
  } catch (error) {
    process.stderr.write(`${error instanceof UsageError ? error.message : String(error)}\n${USAGE}\n`);
    return 2;
  }
  const teardown = new Teardown();
  const progress: Progress = { serving: false };
  // Handled for as long as the process lives: a second Ctrl-C must not cut the teardown short.
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => resolve(signal));
  });
  try {
    const ended = await Promise.race([
      main(options, teardown, progress).then((code) => ({ code })),
      signalled.then((signal) => ({ signal })),
    ]);
    if ('code' in ended) return ended.code;
    quiet = true;
    return progress.serving ? 0 : 128 + constants.signals[ended.signal];
  } catch (error) {
    process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await teardown.run();
  }
}

void run(process.argv.slice(2)).then((code) => process.exit(code));
