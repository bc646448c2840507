import { unlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fingerprintToken } from 'aibridge-initiator-otel';
import { credentialsJson, replaceFile, writeCredentialsFile } from '../support/credentials-file';
import { ALICE_TOKEN, CODER_AGENTS_UA, OWNER_A, SERVICE_TOKEN } from '../support/fixtures';
import { collectorPerTest } from '../support/per-test-collector';
import { spawnGateway, type GatewayProcess } from '../support/gateway-process';
import { post, postRaw } from '../support/servers';

const stack = collectorPerTest({ OTEL_BSP_SCHEDULE_DELAY: '20' });

const env = (extra?: Record<string, string>) => stack.env(extra);
const receiverOf = () => stack.receiver;

async function start(
  extra: Record<string, string>,
): Promise<GatewayProcess & { output: () => { stdout: string; stderr: string } }> {
  const spawned = spawnGateway({ entry: 'gateway.cjs', preload: '--require', env: env(extra) });
  return { ...(await spawned.started), output: spawned.output };
}

/** Sends one interception and waits for its exported server span. */
async function interception(gateway: GatewayProcess, headers: Record<string, string>) {
  const before = receiverOf().spans.filter((s) => s.attributes['initiator.override'] !== undefined).length;
  const started = Date.now();
  const { status } = await post(`${gateway.url}/v1/messages`, headers);
  const elapsedMs = Date.now() - started;
  for (let waited = 0; waited < 5_000; waited += 20) {
    const spans = receiverOf().spans.filter((s) => s.attributes['initiator.override'] !== undefined);
    if (spans.length > before) return { span: spans.at(-1)!, status, elapsedMs };
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('no interception span arrived');
}

async function stop(gateway: GatewayProcess) {
  gateway.child.kill('SIGTERM');
  await gateway.exited;
}

const agents = (token: string) => ({
  'user-agent': CODER_AGENTS_UA,
  authorization: `Bearer ${token}`,
  'x-coder-owner-id': OWNER_A,
});

describe('a credentials file, rewritten while the gateway runs', () => {
  it('is reloaded without a restart; a broken or deleted version leaves the last good one in place', async () => {
    const path = writeCredentialsFile([{ token: SERVICE_TOKEN, initiator: 'svc-coder-agents', delegate: true }]);
    const gateway = await start({ AIBRIDGE_CREDENTIALS_FILE: path });

    const first = await interception(gateway, agents(SERVICE_TOKEN));
    expect(first.span.attributes).toMatchObject({
      'enduser.id': OWNER_A,
      'initiator.credential_id': 'svc-coder-agents',
      'initiator.override': true,
    });

    // Rotation: the service account loses delegation, alice is added.
    replaceFile(
      path,
      credentialsJson([
        { token: SERVICE_TOKEN, initiator: 'svc-coder-agents' },
        { token: ALICE_TOKEN, initiator: 'alice' },
      ]),
    );
    await waitUntil(
      async () =>
        (await interception(gateway, agents(SERVICE_TOKEN))).span.attributes['initiator.override.rejected_reason'] ===
        'credential_not_trusted',
    );
    expect((await interception(gateway, agents(ALICE_TOKEN))).span.attributes['initiator.credential_id']).toBe('alice');

    replaceFile(path, '{ "credentials": [ { "sha256": "not-a-hash", "initiator": "x" } ] }');
    await waitUntil(() => gateway.output().stderr.includes('keeping the previous one'));
    expect(gateway.output().stderr).toContain('credentials[0].sha256: must be 64 lowercase hex characters');
    expect((await interception(gateway, agents(ALICE_TOKEN))).span.attributes['initiator.credential_id']).toBe('alice');

    unlinkSync(path);
    await waitUntil(() => /cannot be read \(ENOENT\)/.test(gateway.output().stderr));
    expect((await interception(gateway, agents(ALICE_TOKEN))).span.attributes['initiator.credential_id']).toBe('alice');
    await stop(gateway);
    expect(gateway.output().stderr).not.toContain(ALICE_TOKEN);
  });
});

describe('a gateway with a credentials file', () => {
  it('still ends on its own: watching the file does not keep the process alive', async () => {
    const path = writeCredentialsFile([{ token: SERVICE_TOKEN, initiator: 'svc-coder-agents', delegate: true }]);
    const spawned = spawnGateway({
      entry: 'gateway.cjs',
      preload: '--require',
      env: env({ AIBRIDGE_CREDENTIALS_FILE: path, GATEWAY_EXIT_AFTER: '1' }),
    });
    const gateway = await spawned.started;
    await post(`${gateway.url}/v1/messages`, agents(SERVICE_TOKEN));
    expect(await gateway.exited).toEqual({ code: 0, signal: null });
  });
});

describe('a resolver module', () => {
  it('that throws: the request is served, the fingerprint stands, the failure is recorded and counted without the token', async () => {
    const gateway = await start({ AIBRIDGE_RESOLVER_MODULE: './test/fixtures/resolvers/throws.cjs' });
    const { span, status } = await interception(gateway, agents(SERVICE_TOKEN));
    expect(status).toBe(200);
    expect(span.attributes).toMatchObject({
      'enduser.id': OWNER_A,
      'initiator.credential_id': fingerprintToken(SERVICE_TOKEN),
      'initiator.credential.error': 'module_error',
    });
    await stop(gateway);
    expect(receiverOf().counter('aibridge.initiator.resolver.errors', { resolver: 'module', reason: 'error' })).toBe(1);
    expect([...receiverOf().rawBodies, gateway.output().stderr, gateway.output().stdout].join('\n')).not.toContain(
      SERVICE_TOKEN,
    );
  });

  it('that hangs once: the next request asks it again and gets its answer', async () => {
    const gateway = await start({
      AIBRIDGE_RESOLVER_MODULE: './test/fixtures/resolvers/hangs-once.cjs',
      AIBRIDGE_RESOLVER_TIMEOUT_MS: '200',
    });
    expect((await interception(gateway, agents(SERVICE_TOKEN))).span.attributes['initiator.credential.error']).toBe(
      'module_timeout',
    );
    const second = await interception(gateway, agents(SERVICE_TOKEN));
    expect(second.span.attributes['initiator.credential_id']).toBe('recovered-user');
    expect(second.span.attributes['initiator.credential.error']).toBeUndefined();
    await stop(gateway);
  });

  it('that is slow: a SIGTERM right after the response still exports the final span and metrics', async () => {
    const gateway = await start({ AIBRIDGE_RESOLVER_MODULE: './test/fixtures/resolvers/slow.cjs' });
    const { status } = await post(`${gateway.url}/v1/messages`, agents(SERVICE_TOKEN));
    expect(status).toBe(200);
    await stop(gateway);
    const spans = receiverOf().spans.filter((s) => s.attributes['initiator.override'] !== undefined);
    expect(spans).toHaveLength(1);
    expect(spans[0]?.attributes['initiator.credential_id']).toBe(`slow-${fingerprintToken(SERVICE_TOKEN)}`);
    expect(receiverOf().counter('aibridge.interceptions')).toBe(1);
  });

  it('that hangs: the response is not held, and the span ends with the timeout recorded', async () => {
    const gateway = await start({
      AIBRIDGE_RESOLVER_MODULE: './test/fixtures/resolvers/hangs.cjs',
      AIBRIDGE_RESOLVER_TIMEOUT_MS: '1500',
    });
    const { span, status, elapsedMs } = await interception(gateway, agents(SERVICE_TOKEN));
    expect(status).toBe(200);
    // The mock upstream answers at once: a held request would take the whole timeout.
    expect(elapsedMs).toBeLessThan(1000);
    expect(span.attributes).toMatchObject({
      'initiator.credential_id': fingerprintToken(SERVICE_TOKEN),
      'initiator.credential.error': 'module_timeout',
    });
    // The span keeps the time the response ended, not the time the resolver gave up.
    expect(span.durationMs).toBeLessThan(1000);
    await stop(gateway);
    expect(receiverOf().counter('aibridge.initiator.resolver.errors', { resolver: 'module', reason: 'timeout' })).toBe(
      1,
    );
  });

  it('in ESM, answering later: its identity is on the span and can be trusted to delegate', async () => {
    const gateway = await start({
      AIBRIDGE_RESOLVER_MODULE: './test/fixtures/resolvers/directory.mjs',
      AIBRIDGE_OWNER_TRUSTED_INITIATORS: 'svc-coder-agents',
    });
    const trusted = await interception(gateway, agents(SERVICE_TOKEN));
    expect(trusted.span.attributes).toMatchObject({
      'initiator.credential_id': 'svc-coder-agents',
      'enduser.id': OWNER_A,
      'initiator.override': true,
    });
    const unknown = await interception(gateway, agents(ALICE_TOKEN));
    expect(unknown.span.attributes).toMatchObject({
      'enduser.id': fingerprintToken(ALICE_TOKEN),
      'initiator.override.rejected_reason': 'credential_not_trusted',
    });
    await stop(gateway);
    expect(receiverOf().counter('aibridge.interceptions', { 'initiator.override': true })).toBe(1);
  });
});

describe('an auth proxy header', () => {
  it('names the initiator when valid, and is ignored and counted when not', async () => {
    const gateway = await start({ AIBRIDGE_INITIATOR_HEADER: 'X-Auth-Request-User' });
    const named = await interception(gateway, {
      'user-agent': 'claude-cli/1.0',
      'x-auth-request-user': 'jane@example.com',
      'x-api-key': ALICE_TOKEN,
    });
    expect(named.span.attributes).toMatchObject({ 'enduser.id': 'jane@example.com', 'initiator.source': 'credential' });
    const bad = await interception(gateway, {
      'user-agent': 'claude-cli/1.0',
      'x-auth-request-user': 'x'.repeat(300),
      'x-api-key': ALICE_TOKEN,
    });
    expect(bad.span.attributes).toMatchObject({
      'enduser.id': fingerprintToken(ALICE_TOKEN),
      'initiator.credential.error': 'initiator_header_invalid',
    });
    const repeated = await interceptionRaw(gateway, {
      'user-agent': 'claude-cli/1.0',
      'x-auth-request-user': ['svc-coder-agents', 'jane@example.com'],
      'x-api-key': ALICE_TOKEN,
    });
    expect(repeated.attributes['initiator.credential.error']).toBe('initiator_header_invalid');
    await stop(gateway);
    expect(
      receiverOf().counter('aibridge.initiator.resolver.errors', { resolver: 'initiator_header', reason: 'invalid' }),
    ).toBe(2);
  });
});

/** Like `interception`, with headers sent as given, repeats included. */
async function interceptionRaw(gateway: GatewayProcess, headers: Record<string, string | string[]>) {
  const before = receiverOf().spans.length;
  await postRaw(`${gateway.url}/v1/messages`, headers);
  await waitUntil(() =>
    receiverOf()
      .spans.slice(before)
      .some((s) => s.attributes['initiator.override'] !== undefined),
  );
  return receiverOf()
    .spans.slice(before)
    .find((s) => s.attributes['initiator.override'] !== undefined)!;
}

async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs = 6_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
