import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CODER_AGENTS_UA, OWNER_A, SERVICE_TOKEN } from '../support/fixtures';
import { freePort, otlpEnv, spawnGateway } from '../support/gateway-process';
import { startOtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver';
import { collectorPerTest } from '../support/per-test-collector';
import { registerSecret } from '../support/scan';
import { post, startUpstream, type Running } from '../support/servers';
import { EXPECTED, sendTraffic } from '../support/traffic';

/** A mock provider for the describe block and a fresh OTLP receiver for each of its tests, which run one at a time. */
function collectorForEachTest() {
  const stack = collectorPerTest();
  const receiverOf = () => stack.receiver;
  return {
    env: (extra?: Record<string, string>) => stack.env(extra),
    receiverOf,
    interceptionSpans: () => receiverOf().spans.filter(isInterception),
  };
}

const isInterception = (span: ReceivedSpan): boolean => span.attributes['initiator.override'] !== undefined;

describe('start-up', () => {
  const { env, receiverOf } = collectorForEachTest();
  const dir = mkdtempSync(join(tmpdir(), 'aibridge-config-'));
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const SECRET = registerSecret('a-jwt-secret-that-must-never-be-printed-0123');

  it.each([
    [
      'a malformed list',
      { AIBRIDGE_OWNER_TRUSTED_INITIATORS: 'key-a,,key-b' },
      'AIBRIDGE_OWNER_TRUSTED_INITIATORS: entry 2',
    ],
    [
      'a bad header name',
      { AIBRIDGE_OWNER_HEADER: 'X Coder Owner' },
      'AIBRIDGE_OWNER_HEADER: "X Coder Owner" is not a valid HTTP header name',
    ],
    [
      'a route without provider',
      { AIBRIDGE_INTERCEPTION_ROUTES: '/v1/models' },
      'AIBRIDGE_INTERCEPTION_ROUTES: route "/v1/models"',
    ],
    [
      'a missing credentials file',
      { AIBRIDGE_CREDENTIALS_FILE: '/etc/aibridge/credentials.json' },
      'AIBRIDGE_CREDENTIALS_FILE: /etc/aibridge/credentials.json: cannot be read (ENOENT)',
    ],
    [
      'a credentials file that is not JSON',
      { AIBRIDGE_CREDENTIALS_FILE: file('bad.json', '{ credentials: [') },
      'bad.json: not JSON: ',
    ],
    [
      'a credentials file against the schema',
      {
        AIBRIDGE_CREDENTIALS_FILE: file(
          'schema.json',
          JSON.stringify({ credentials: [{ sha256: 'a'.repeat(64), initiator: 'alice', delgate: true }] }),
        ),
      },
      'schema.json: credentials[0]: unknown key "delgate" (allowed: sha256, initiator, delegate)',
    ],
    [
      'conflicting JWT key sources',
      { AIBRIDGE_JWT_SECRET: SECRET, AIBRIDGE_JWT_JWKS_URL: 'https://idp.example/jwks' },
      'AIBRIDGE_JWT_SECRET: conflicts with AIBRIDGE_JWT_JWKS_URL',
    ],
    [
      'an unreadable JWT key',
      { AIBRIDGE_JWT_PUBLIC_KEY_FILE: dir },
      `AIBRIDGE_JWT_PUBLIC_KEY_FILE: ${dir}: cannot be read (EISDIR)`,
    ],
    [
      'a JWT key that is no key',
      { AIBRIDGE_JWT_PUBLIC_KEY_FILE: file('key.pem', 'not a key') },
      'key.pem: is not a PEM public key or certificate',
    ],
    [
      'a missing resolver module',
      { AIBRIDGE_RESOLVER_MODULE: './no/such/resolver.cjs' },
      'AIBRIDGE_RESOLVER_MODULE: ./no/such/resolver.cjs: cannot be loaded (MODULE_NOT_FOUND)',
    ],
    [
      'an unclear propagation switch',
      { AIBRIDGE_PROPAGATE_TRACE_CONTEXT: 'yes' },
      'AIBRIDGE_PROPAGATE_TRACE_CONTEXT: must be true or false',
    ],
    [
      'an unknown sampling rule',
      { AIBRIDGE_ALWAYS_SAMPLE: 'everything' },
      'AIBRIDGE_ALWAYS_SAMPLE: must be rejections, owner_header or none',
    ],
    [
      'a client rule without a prefix',
      { AIBRIDGE_CLIENT_RULES: 'Acme Agent' },
      'AIBRIDGE_CLIENT_RULES: entry 1 ("Acme Agent") must be <client>=<User-Agent prefix>',
    ],
    [
      'a session header for a client no rule names',
      { AIBRIDGE_SESSION_HEADERS: 'Acme Agent=x-acme-session' },
      'AIBRIDGE_SESSION_HEADERS: "Acme Agent" is neither a built-in client nor one a client rule names',
    ],
    [
      'a module without resolveCredential',
      { AIBRIDGE_RESOLVER_MODULE: './test/fixtures/serve.cjs' },
      'does not export a resolveCredential function',
    ],
  ])('%s stops the process before the gateway starts, with one clear line', async (_, settings, message) => {
    const gateway = spawnGateway({ entry: 'gateway.cjs', preload: '--require', env: env(settings) });
    await expect(gateway.started).rejects.toThrow(/exited/);
    expect(await gateway.exited).toEqual({ code: 78, signal: null });
    const { stdout, stderr } = gateway.output();
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^aibridge-initiator-otel: invalid configuration: AIBRIDGE_[A-Z_]+: /);
    expect(stderr).toContain(message);
    expect(stderr).not.toContain(SECRET);
  });

  it('OTEL_SDK_DISABLED leaves http unpatched, the gateway serving, and nothing exported', async () => {
    const gateway = spawnGateway({
      entry: 'gateway.mjs',
      preload: '--import',
      env: env({ OTEL_SDK_DISABLED: 'true', GATEWAY_EXIT_AFTER: String(EXPECTED.interceptions) }),
    });
    const running = await gateway.started;
    expect(running.instrumented).toBe(false);
    await sendTraffic(running.url);
    expect(await gateway.exited).toEqual({ code: 0, signal: null });
    expect(receiverOf().rawBodies).toEqual([]);
  });

  it('OTEL_TRACES_EXPORTER=none still records the metrics', async () => {
    const gateway = spawnGateway({
      entry: 'gateway.cjs',
      preload: '--require',
      env: env({ OTEL_TRACES_EXPORTER: 'none', GATEWAY_EXIT_AFTER: String(EXPECTED.interceptions) }),
    });
    await sendTraffic((await gateway.started).url);
    await gateway.exited;
    expect(receiverOf().spans).toEqual([]);
    expect(receiverOf().counter('aibridge.interceptions', { 'initiator.override': true })).toBe(EXPECTED.overrides);
  });
});

describe('shutdown', () => {
  const { env, receiverOf, interceptionSpans } = collectorForEachTest();
  it('a gateway with its own SIGTERM handler still runs it and exits with its own code, after the flush', async () => {
    const gateway = spawnGateway({
      entry: 'gateway.cjs',
      preload: '--require',
      env: env({ GATEWAY_SIGTERM: 'handle' }),
    });
    const running = await gateway.started;
    await sendTraffic(running.url);
    running.child.kill('SIGTERM');
    expect(await gateway.exited).toEqual({ code: 3, signal: null });
    expect(gateway.output().stdout).toContain('gateway: SIGTERM handler ran');
    expect(interceptionSpans()).toHaveLength(EXPECTED.interceptions);
    expect(receiverOf().counter('aibridge.interceptions')).toBe(EXPECTED.interceptions);
  });

  it('a handler that exits at once keeps its exit code, even if code after exit() throws', async () => {
    const gateway = spawnGateway({
      entry: 'gateway.cjs',
      preload: '--require',
      env: env({ GATEWAY_SIGTERM: 'exit-then-throw' }),
    });
    const running = await gateway.started;
    await sendTraffic(running.url);
    running.child.kill('SIGTERM');
    expect(await gateway.exited).toEqual({ code: 3, signal: null });
    expect(gateway.output().stderr).not.toContain('code after process.exit() ran');
    expect(interceptionSpans()).toHaveLength(EXPECTED.interceptions);
  });

  it('a handler that drains: a stream still running at SIGTERM finishes, and its span is exported', async () => {
    const gateway = spawnGateway({
      entry: 'gateway.cjs',
      preload: '--require',
      env: env({ GATEWAY_SIGTERM: 'drain' }),
    });
    const running = await gateway.started;
    // About a second of events; SIGTERM arrives in the middle.
    const streaming = post(
      `${running.url}/v1/messages`,
      {
        'user-agent': 'coder-agents/1',
        authorization: 'Bearer sk-drain',
        'x-coder-owner-id': '3f2504e0-4f89-41d3-9a0c-0305e82c3301',
      },
      { stream: true, delayMs: 250 },
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    running.child.kill('SIGTERM');
    const { status, text } = await streaming;
    expect(status).toBe(200);
    expect(text).toContain('[DONE]');
    expect(await gateway.exited).toEqual({ code: 3, signal: null });
    expect(interceptionSpans()).toHaveLength(1);
    expect(receiverOf().counter('aibridge.interceptions')).toBe(1);
  });

  it('a second SIGTERM during the flush changes nothing', async () => {
    const gateway = spawnGateway({
      entry: 'gateway.cjs',
      preload: '--require',
      env: env({ GATEWAY_SIGTERM: 'handle' }),
    });
    const running = await gateway.started;
    await sendTraffic(running.url);
    running.child.kill('SIGTERM');
    running.child.kill('SIGTERM');
    expect(await gateway.exited).toEqual({ code: 3, signal: null });
    expect(interceptionSpans()).toHaveLength(EXPECTED.interceptions);
  });

  it('signal-exit watching SIGTERM does not count as the gateway handling it: the process still dies of it', async () => {
    const gateway = spawnGateway({
      entry: 'gateway.cjs',
      preload: '--require',
      env: env({ GATEWAY_SIGTERM: 'signal-exit' }),
    });
    const running = await gateway.started;
    await sendTraffic(running.url);
    running.child.kill('SIGTERM');
    expect(await gateway.exited).toEqual({ code: null, signal: 'SIGTERM' });
    expect(gateway.output().stdout).toContain('gateway: signal-exit saw SIGTERM');
    expect(interceptionSpans()).toHaveLength(EXPECTED.interceptions);
  });

  it('SIGINT without a handler of the gateway ends the process by SIGINT, after the flush', async () => {
    const gateway = spawnGateway({ entry: 'gateway.mjs', preload: '--import', env: env() });
    const running = await gateway.started;
    await sendTraffic(running.url);
    running.child.kill('SIGINT');
    expect(await gateway.exited).toEqual({ code: null, signal: 'SIGINT' });
    expect(interceptionSpans()).toHaveLength(EXPECTED.interceptions);
    expect(receiverOf().counter('aibridge.interceptions')).toBe(EXPECTED.interceptions);
  });

  it('a gateway that ends on its own keeps its exit code, after the flush', async () => {
    const gateway = spawnGateway({
      entry: 'gateway.cjs',
      preload: '--require',
      env: env({ GATEWAY_EXIT_AFTER: String(EXPECTED.interceptions), GATEWAY_EXIT_CODE: '4' }),
    });
    await sendTraffic((await gateway.started).url);
    expect(await gateway.exited).toEqual({ code: 4, signal: null });
    expect(interceptionSpans()).toHaveLength(EXPECTED.interceptions);
    expect(receiverOf().counter('aibridge.interceptions')).toBe(EXPECTED.interceptions);
  });

  it.each([
    ['no handler of its own, SIGTERM', {}, 'SIGTERM'],
    ['no handler of its own, SIGINT', {}, 'SIGINT'],
    ['its own SIGTERM handler', { GATEWAY_SIGTERM: 'handle' }, 'SIGTERM'],
    ['its own handler exiting at once', { GATEWAY_SIGTERM: 'exit-then-throw' }, 'SIGTERM'],
    ['signal-exit watching', { GATEWAY_SIGTERM: 'signal-exit' }, 'SIGTERM'],
  ] as const)(
    'with %s, 300 concurrent interceptions are all exported, and the exit is the gateway’s own',
    async (_, mode, signal) => {
      const run = async (preload: '--require' | 'none') => {
        const gateway = spawnGateway({ entry: 'gateway.cjs', preload, env: env(mode) });
        const running = await gateway.started;
        await Promise.all(
          Array.from({ length: 300 }, (_, i) =>
            post(`${running.url}/v1/messages`, {
              'user-agent': 'coder-agents/1',
              authorization: `Bearer sk-${i}`,
              'x-coder-owner-id': '3f2504e0-4f89-41d3-9a0c-0305e82c3301',
            }),
          ),
        );
        const stopping = performance.now();
        running.child.kill(signal);
        const exit = await gateway.exited;
        return { exit, ms: performance.now() - stopping };
      };
      const without = await run('none');
      expect(receiverOf().spans).toHaveLength(0);
      const withPlugin = await run('--require');
      expect(withPlugin.exit).toEqual(without.exit);
      // What the plugin adds to the exit is the flush: loopback exports, well under its 5 s bound.
      expect(withPlugin.ms).toBeLessThan(without.ms + 2_000);
      expect(interceptionSpans()).toHaveLength(300);
      expect(receiverOf().counter('aibridge.interceptions')).toBe(300);
    },
  );

  it('an unreachable collector does not hold the exit beyond the flush bound', async () => {
    await receiverOf().close();
    const gateway = spawnGateway({
      entry: 'gateway.cjs',
      preload: '--require',
      env: env({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' }),
    });
    const running = await gateway.started;
    await sendTraffic(running.url);
    const started = Date.now();
    running.child.kill('SIGTERM');
    expect(await gateway.exited).toEqual({ code: null, signal: 'SIGTERM' });
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

/**
 * Every way the fixture gateway can end, crossed with every metrics exporter, with one interception
 * and with many. The batch span processor's schedule is far beyond a test's lifetime, so only the
 * exit path can deliver a span; with a single interception nothing else (a second batch, a metric
 * export's round trip) keeps the process busy while the export is on the wire.
 */
describe('every span leaves the process, whichever way the gateway ends and whatever the metrics exporter', () => {
  type Exit = { code: number | null; signal: NodeJS.Signals | null };
  interface ExitStyle {
    /** What the gateway does, through the fixture's environment. */
    readonly env: Record<string, string>;
    /** Signals sent once the traffic is in; none for a gateway that ends on its own. */
    readonly signals: readonly NodeJS.Signals[];
    /** Whether the interceptions are streams still running when the signal arrives. */
    readonly inFlight?: boolean;
    /** Modules the gateway preloads besides the plugin. */
    readonly nodeArgs?: readonly string[];
    /** How the gateway ends without the plugin, checked against a run without it too. */
    readonly exit: Exit;
  }
  // Preloaded ahead of the plugin: a listener registered before the plugin's must still find the exit waiting.
  const exitAtBeforeExit = join(mkdtempSync(join(tmpdir(), 'aibridge-exit-')), 'exit-at-before-exit.cjs');
  writeFileSync(exitAtBeforeExit, "process.on('beforeExit', () => process.exit(5));\n");
  const STYLES: Record<string, ExitStyle> = {
    'its own SIGTERM handler': {
      env: { GATEWAY_SIGTERM: 'handle' },
      signals: ['SIGTERM'],
      exit: { code: 3, signal: null },
    },
    'its own SIGTERM handler, signalled twice': {
      env: { GATEWAY_SIGTERM: 'handle' },
      signals: ['SIGTERM', 'SIGTERM'],
      exit: { code: 3, signal: null },
    },
    'a handler that drains streams still running': {
      env: { GATEWAY_SIGTERM: 'drain' },
      signals: ['SIGTERM'],
      inFlight: true,
      exit: { code: 3, signal: null },
    },
    'a handler exiting at once, then throwing': {
      env: { GATEWAY_SIGTERM: 'exit-then-throw' },
      signals: ['SIGTERM'],
      exit: { code: 3, signal: null },
    },
    'signal-exit watching SIGTERM': {
      env: { GATEWAY_SIGTERM: 'signal-exit' },
      signals: ['SIGTERM'],
      exit: { code: null, signal: 'SIGTERM' },
    },
    'no handler of its own, SIGTERM': { env: {}, signals: ['SIGTERM'], exit: { code: null, signal: 'SIGTERM' } },
    'no handler of its own, SIGINT': { env: {}, signals: ['SIGINT'], exit: { code: null, signal: 'SIGINT' } },
    'ending on its own with an exit code': {
      env: { GATEWAY_EXIT_CODE: '4' },
      signals: [],
      exit: { code: 4, signal: null },
    },
    'ending on its own, a beforeExit listener calling process.exit': {
      env: {},
      signals: [],
      nodeArgs: ['--require', exitAtBeforeExit],
      exit: { code: 5, signal: null },
    },
  };
  const METRICS = ['none', 'prometheus', 'otlp'] as const;
  const MANY = 40;

  let upstream: Running | undefined;
  beforeAll(async () => {
    upstream = await startUpstream();
  });
  afterAll(() => upstream?.close());
  const upstreamUrl = (): string => `${upstream?.url}/provider`;

  const HEADERS = {
    'user-agent': CODER_AGENTS_UA,
    authorization: `Bearer ${SERVICE_TOKEN}`,
    'x-coder-owner-id': OWNER_A,
  };

  /**
   * Starts a streamed interception over a connection of its own (so a draining server can close it
   * once answered) and resolves when the gateway has begun answering, with the rest of the answer.
   */
  const startStream = (url: string): Promise<{ status: number; text: Promise<string> }> =>
    new Promise((resolve, reject) => {
      const req = http.request(
        `${url}/v1/messages`,
        { method: 'POST', agent: false, headers: { ...HEADERS, 'content-type': 'application/json' } },
        (res) => {
          res.setEncoding('utf8');
          const text = new Promise<string>((done, fail) => {
            let body = '';
            res.on('data', (chunk: string) => (body += chunk));
            res.on('end', () => done(body));
            res.on('error', fail);
          });
          resolve({ status: res.statusCode ?? 0, text });
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ stream: true, delayMs: 100 }));
    });

  /** Runs the traffic against a started gateway, ends it the style's way, and says how it ended. */
  async function drive(gateway: ReturnType<typeof spawnGateway>, style: ExitStyle, count: number): Promise<Exit> {
    const running = await gateway.started;
    const indexes = Array.from({ length: count }, (_, i) => i);
    if (style.inFlight === true) {
      const streams = await Promise.all(indexes.map(() => startStream(running.url)));
      for (const signal of style.signals) running.child.kill(signal);
      const texts = await Promise.all(streams.map((s) => s.text));
      expect(streams.map((s) => s.status)).toEqual(indexes.map(() => 200));
      for (const text of texts) expect(text).toContain('[DONE]');
    } else {
      const answers = await Promise.all(indexes.map(() => post(`${running.url}/v1/messages`, HEADERS)));
      expect(answers.map((a) => a.status)).toEqual(indexes.map(() => 200));
      for (const signal of style.signals) running.child.kill(signal);
    }
    return gateway.exited;
  }

  /** The gateway's own exit, without the plugin: what the plugin must leave as it is. */
  const withoutPlugin = new Map<string, Promise<Exit>>();
  const exitWithoutPlugin = (name: string, style: ExitStyle, count: number): Promise<Exit> => {
    const key = `${name}/${count}`;
    let exit = withoutPlugin.get(key);
    if (exit === undefined) {
      const exitAfter = style.signals.length === 0 ? { GATEWAY_EXIT_AFTER: String(count) } : {};
      const gateway = spawnGateway({
        entry: 'gateway.cjs',
        preload: 'none',
        nodeArgs: [...(style.nodeArgs ?? [])],
        env: { UPSTREAM_URL: upstreamUrl(), ...style.env, ...exitAfter },
      });
      exit = drive(gateway, style, count);
      withoutPlugin.set(key, exit);
    }
    return exit;
  };

  const cases = Object.entries(STYLES).flatMap(([name, style]) =>
    METRICS.flatMap((metrics) => [1, MANY].map((count) => [name, metrics, count, style] as const)),
  );

  it.concurrent.each(cases)('%s, metrics exporter %s, %i interception(s)', async (name, metrics, count, style) => {
    const receiver = await startOtlpReceiver();
    try {
      const prometheus =
        metrics === 'prometheus'
          ? { OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1', OTEL_EXPORTER_PROMETHEUS_PORT: String(await freePort()) }
          : {};
      const exitAfter = style.signals.length === 0 ? { GATEWAY_EXIT_AFTER: String(count) } : {};
      const gateway = spawnGateway({
        entry: 'gateway.cjs',
        preload: '--require',
        nodeArgs: [...(style.nodeArgs ?? [])],
        env: {
          ...otlpEnv(receiver.url),
          UPSTREAM_URL: upstreamUrl(),
          OTEL_METRICS_EXPORTER: metrics,
          OTEL_BSP_SCHEDULE_DELAY: '600000',
          ...prometheus,
          ...style.env,
          ...exitAfter,
        },
      });
      const [exit, without] = await Promise.all([drive(gateway, style, count), exitWithoutPlugin(name, style, count)]);
      expect(without).toEqual(style.exit);
      expect(exit).toEqual(without);
      expect(gateway.output().stderr).not.toContain('code after process.exit() ran');

      // Each interception is a server span with the upstream call as its child, in its own trace.
      const interceptions = receiver.spans.filter(isInterception);
      expect(interceptions).toHaveLength(count);
      expect(new Set(interceptions.map((s) => s.traceId)).size).toBe(count);
      for (const interception of interceptions) {
        expect(interception.attributes['enduser.id']).toBe(OWNER_A);
        expect(receiver.spans.filter((s) => s.parentSpanId === interception.spanId && s.kind === 3)).toHaveLength(1);
      }
      expect(receiver.spans).toHaveLength(2 * count);
      if (metrics === 'otlp') expect(receiver.counter('aibridge.interceptions')).toBe(count);
    } finally {
      await receiver.close();
    }
  });

  it.concurrent(
    'with the collector unreachable, a gateway’s exit waits at most the flush bound in all, however many flushes are underway',
    async () => {
      const gateway = spawnGateway({
        entry: 'gateway.cjs',
        preload: '--require',
        env: {
          ...otlpEnv('http://127.0.0.1:9'),
          UPSTREAM_URL: upstreamUrl(),
          OTEL_METRICS_EXPORTER: 'none',
          OTEL_BSP_SCHEDULE_DELAY: '600000',
          GATEWAY_SIGTERM: 'handle',
        },
      });
      const running = await gateway.started;
      expect((await post(`${running.url}/v1/messages`, HEADERS)).status).toBe(200);
      const stopping = performance.now();
      // The first signal's flush, the exit's flush, and a third one started while the exit waits.
      running.child.kill('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      running.child.kill('SIGTERM');
      expect(await gateway.exited).toEqual({ code: 3, signal: null });
      const ms = performance.now() - stopping;
      expect(ms).toBeGreaterThan(4_000);
      expect(ms).toBeLessThan(8_000);
      expect(gateway.output().stderr).toContain('took longer than 5000 ms');
    },
  );
});
