import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { collectorPerTest } from '../support/per-test-collector';
import { spawnGateway } from '../support/gateway-process';
import { registerSecret } from '../support/scan';
import { post } from '../support/servers';
import { EXPECTED, sendTraffic } from '../support/traffic';

const stack = collectorPerTest();

const env = stack.env;
const receiverOf = () => stack.receiver;
const interceptionSpans = () => receiverOf().spans.filter((s) => s.attributes['initiator.override'] !== undefined);

describe('start-up', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aibridge-config-'));
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const SECRET = registerSecret('a-jwt-secret-that-must-never-be-printed-0123');

  it.each([
    ['a malformed list', { AIBRIDGE_OWNER_TRUSTED_INITIATORS: 'key-a,,key-b' }, 'AIBRIDGE_OWNER_TRUSTED_INITIATORS: entry 2'],
    ['a bad header name', { AIBRIDGE_OWNER_HEADER: 'X Coder Owner' }, 'AIBRIDGE_OWNER_HEADER: "X Coder Owner" is not a valid HTTP header name'],
    ['a route without provider', { AIBRIDGE_INTERCEPTION_ROUTES: '/v1/models' }, 'AIBRIDGE_INTERCEPTION_ROUTES: route "/v1/models"'],
    ['a missing credentials file', { AIBRIDGE_CREDENTIALS_FILE: '/etc/aibridge/credentials.json' }, 'AIBRIDGE_CREDENTIALS_FILE: /etc/aibridge/credentials.json: cannot be read (ENOENT)'],
    ['a credentials file that is not JSON', { AIBRIDGE_CREDENTIALS_FILE: file('bad.json', '{ credentials: [') }, 'bad.json: not JSON: '],
    [
      'a credentials file against the schema',
      { AIBRIDGE_CREDENTIALS_FILE: file('schema.json', JSON.stringify({ credentials: [{ sha256: 'a'.repeat(64), initiator: 'alice', delgate: true }] })) },
      'schema.json: credentials[0]: unknown key "delgate" (allowed: sha256, initiator, delegate)',
    ],
    ['conflicting JWT key sources', { AIBRIDGE_JWT_SECRET: SECRET, AIBRIDGE_JWT_JWKS_URL: 'https://idp.example/jwks' }, 'AIBRIDGE_JWT_SECRET: conflicts with AIBRIDGE_JWT_JWKS_URL'],
    ['an unreadable JWT key', { AIBRIDGE_JWT_PUBLIC_KEY_FILE: dir }, `AIBRIDGE_JWT_PUBLIC_KEY_FILE: ${dir}: cannot be read (EISDIR)`],
    ['a JWT key that is no key', { AIBRIDGE_JWT_PUBLIC_KEY_FILE: file('key.pem', 'not a key') }, 'key.pem: is not a PEM public key or certificate'],
    ['a missing resolver module', { AIBRIDGE_RESOLVER_MODULE: './no/such/resolver.cjs' }, 'AIBRIDGE_RESOLVER_MODULE: ./no/such/resolver.cjs: cannot be loaded (MODULE_NOT_FOUND)'],
    ['an unclear propagation switch', { AIBRIDGE_PROPAGATE_TRACE_CONTEXT: 'yes' }, 'AIBRIDGE_PROPAGATE_TRACE_CONTEXT: must be true or false'],
    ['a module without resolveCredential', { AIBRIDGE_RESOLVER_MODULE: './test/fixtures/serve.cjs' }, 'does not export a resolveCredential function'],
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
    const gateway = spawnGateway({ entry: 'gateway.mjs', preload: '--import', env: env({ OTEL_SDK_DISABLED: 'true', GATEWAY_EXIT_AFTER: String(EXPECTED.interceptions) }) });
    const running = await gateway.started;
    expect(running.instrumented).toBe(false);
    await sendTraffic(running.url);
    expect(await gateway.exited).toEqual({ code: 0, signal: null });
    expect(receiverOf().rawBodies).toEqual([]);
  });

  it('OTEL_TRACES_EXPORTER=none still records the metrics', async () => {
    const gateway = spawnGateway({ entry: 'gateway.cjs', preload: '--require', env: env({ OTEL_TRACES_EXPORTER: 'none', GATEWAY_EXIT_AFTER: String(EXPECTED.interceptions) }) });
    await sendTraffic((await gateway.started).url);
    await gateway.exited;
    expect(receiverOf().spans).toEqual([]);
    expect(receiverOf().counter('aibridge.interceptions', { 'initiator.override': true })).toBe(EXPECTED.overrides);
  });
});

describe('shutdown', () => {
  it('a gateway with its own SIGTERM handler still runs it and exits with its own code, after the flush', async () => {
    const gateway = spawnGateway({ entry: 'gateway.cjs', preload: '--require', env: env({ GATEWAY_SIGTERM: 'handle' }) });
    const running = await gateway.started;
    await sendTraffic(running.url);
    running.child.kill('SIGTERM');
    expect(await gateway.exited).toEqual({ code: 3, signal: null });
    expect(gateway.output().stdout).toContain('gateway: SIGTERM handler ran');
    expect(interceptionSpans()).toHaveLength(EXPECTED.interceptions);
    expect(receiverOf().counter('aibridge.interceptions')).toBe(EXPECTED.interceptions);
  });

  it('a handler that exits at once keeps its exit code, even if code after exit() throws', async () => {
    const gateway = spawnGateway({ entry: 'gateway.cjs', preload: '--require', env: env({ GATEWAY_SIGTERM: 'exit-then-throw' }) });
    const running = await gateway.started;
    await sendTraffic(running.url);
    running.child.kill('SIGTERM');
    expect(await gateway.exited).toEqual({ code: 3, signal: null });
    expect(gateway.output().stderr).not.toContain('code after process.exit() ran');
    expect(interceptionSpans()).toHaveLength(EXPECTED.interceptions);
  });

  it('a handler that drains: a stream still running at SIGTERM finishes, and its span is exported', async () => {
    const gateway = spawnGateway({ entry: 'gateway.cjs', preload: '--require', env: env({ GATEWAY_SIGTERM: 'drain' }) });
    const running = await gateway.started;
    // About a second of events; SIGTERM arrives in the middle.
    const streaming = post(`${running.url}/v1/messages`, { 'user-agent': 'coder-agents/1', authorization: 'Bearer sk-drain', 'x-coder-owner-id': '3f2504e0-4f89-41d3-9a0c-0305e82c3301' }, { stream: true, delayMs: 250 });
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
    const gateway = spawnGateway({ entry: 'gateway.cjs', preload: '--require', env: env({ GATEWAY_SIGTERM: 'handle' }) });
    const running = await gateway.started;
    await sendTraffic(running.url);
    running.child.kill('SIGTERM');
    running.child.kill('SIGTERM');
    expect(await gateway.exited).toEqual({ code: 3, signal: null });
    expect(interceptionSpans()).toHaveLength(EXPECTED.interceptions);
  });

  it('signal-exit watching SIGTERM does not count as the gateway handling it: the process still dies of it', async () => {
    const gateway = spawnGateway({ entry: 'gateway.cjs', preload: '--require', env: env({ GATEWAY_SIGTERM: 'signal-exit' }) });
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
    const gateway = spawnGateway({ entry: 'gateway.cjs', preload: '--require', env: env({ GATEWAY_EXIT_AFTER: String(EXPECTED.interceptions), GATEWAY_EXIT_CODE: '4' }) });
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
  ] as const)('with %s, 300 concurrent interceptions are all exported, and the exit is the gateway’s own', async (_, mode, signal) => {
    const run = async (preload: '--require' | 'none') => {
      const gateway = spawnGateway({ entry: 'gateway.cjs', preload, env: env(mode) });
      const running = await gateway.started;
      await Promise.all(Array.from({ length: 300 }, (_, i) => post(`${running.url}/v1/messages`, { 'user-agent': 'coder-agents/1', authorization: `Bearer sk-${i}`, 'x-coder-owner-id': '3f2504e0-4f89-41d3-9a0c-0305e82c3301' })));
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
  });

  it('an unreachable collector does not hold the exit beyond the flush bound', async () => {
    receiverOf().close();
    const gateway = spawnGateway({ entry: 'gateway.cjs', preload: '--require', env: env({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' }) });
    const running = await gateway.started;
    await sendTraffic(running.url);
    const started = Date.now();
    running.child.kill('SIGTERM');
    expect(await gateway.exited).toEqual({ code: null, signal: 'SIGTERM' });
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
