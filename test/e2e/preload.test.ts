import type { IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintToken } from 'aibridge-initiator-otel';
import { ALICE_TOKEN, OWNER_A, OWNER_B, SERVICE_TOKEN } from '../support/fixtures';
import { otlpEnv, spawnGateway, type SpawnOptions } from '../support/gateway-process';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver';
import { startUpstream, type Running } from '../support/servers';
import { EXPECTED, sendTraffic } from '../support/traffic';

const SERVER = 2;
const CLIENT = 3;

let upstream: Running;
const upstreamSaw: IncomingHttpHeaders[] = [];
beforeAll(async () => {
  upstream = await startUpstream((req) => upstreamSaw.push(req.headers));
});
afterAll(() => upstream.close());

const variants: SpawnOptions[] = [
  { entry: 'gateway.cjs', preload: '--require' },
  { entry: 'gateway.mjs', preload: '--require' },
  { entry: 'gateway.mjs', preload: '--import' },
  { entry: 'gateway.cjs', preload: '--import' },
];

describe.each(variants)('a real gateway process: $entry with $preload', (variant) => {
  let receiver: OtlpReceiver;
  let interceptions: ReceivedSpan[];
  let exit: { code: number | null; signal: NodeJS.Signals | null };
  let output: { stdout: string; stderr: string };
  let instrumented: boolean | undefined;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    const gateway = spawnGateway({
      ...variant,
      env: { ...otlpEnv(receiver.url), UPSTREAM_URL: `${upstream.url}/provider` },
    });
    const running = await gateway.started;
    instrumented = running.instrumented;
    await sendTraffic(running.url);
    running.child.kill('SIGTERM');
    exit = await gateway.exited;
    output = gateway.output();
    interceptions = receiver.spans.filter((s) => s.kind === SERVER && s.attributes['initiator.override'] !== undefined);
  });
  afterAll(() => receiver.close());

  it('has http patched before the gateway listens', () => {
    expect(instrumented).toBe(true);
  });

  it('dies of SIGTERM as it would without the plugin, after exporting', () => {
    expect(exit).toEqual({ code: null, signal: 'SIGTERM' });
  });

  it('exports one server span per interception, with the initiator at span level', () => {
    expect(interceptions).toHaveLength(EXPECTED.interceptions);
    const overridden = interceptions.filter((s) => s.attributes['initiator.override'] === true);
    expect(overridden).toHaveLength(EXPECTED.overrides);
    expect(overridden.map((s) => s.attributes['enduser.id']).sort()).toEqual([OWNER_A, OWNER_A, OWNER_B].sort());
    for (const span of overridden) {
      expect(span.attributes).toMatchObject({
        'initiator.source': 'owner_header',
        'initiator.credential_id': fingerprintToken(SERVICE_TOKEN),
        'aibridge.client': 'Coder Agents',
      });
      expect(span.events).toEqual([]);
    }
  });

  it('exports the rejections on their spans', () => {
    const rejected = interceptions.filter((s) => s.attributes['initiator.override.rejected_reason'] !== undefined);
    expect(rejected.map((s) => s.attributes['initiator.override.rejected_reason']).sort()).toEqual([
      'client_not_allowed',
      'invalid_format',
    ]);
    const claude = rejected.find((s) => s.attributes['aibridge.client'] === 'Claude Code');
    expect(claude?.attributes['enduser.id']).toBe(fingerprintToken(ALICE_TOKEN));
  });

  it('stamps enduser.id on the upstream call, a child of the interception', () => {
    const pairs = interceptions.map(
      (server) => [server, receiver.spans.find((s) => s.parentSpanId === server.spanId && s.kind === CLIENT)] as const,
    );
    expect(pairs).toHaveLength(EXPECTED.interceptions);
    for (const [server, child] of pairs) {
      expect(child?.attributes['enduser.id']).toBe(server.attributes['enduser.id']);
    }
  });

  it('exports the final metric values at shutdown', () => {
    expect(receiver.counter('aibridge.interceptions')).toBe(EXPECTED.interceptions);
    expect(receiver.counter('aibridge.interceptions', { 'initiator.override': true })).toBe(EXPECTED.overrides);
    expect(
      receiver.counter('aibridge.initiator.override.rejections', {
        reason: 'client_not_allowed',
        'aibridge.client': 'Claude Code',
      }),
    ).toBe(1);
    expect(
      receiver.counter('aibridge.initiator.override.rejections', {
        reason: 'invalid_format',
        'aibridge.client': 'Coder Agents',
      }),
    ).toBe(1);
    expect(receiver.counter('aibridge.interception.duration')).toBe(EXPECTED.interceptions);
  });

  it('no exporter request of its own becomes a span', () => {
    const urls = receiver.spans.map((s) => String(s.attributes['url.full'] ?? s.attributes['url.path'] ?? ''));
    expect(urls.filter((u) => u.includes('/v1/traces') || u.includes('/v1/metrics'))).toEqual([]);
  });

  it('sends the provider no trace context, and never the owner header', () => {
    expect(upstreamSaw.length).toBeGreaterThanOrEqual(6);
    for (const headers of upstreamSaw) {
      expect(headers.traceparent).toBeUndefined();
      expect(headers['x-coder-owner-id']).toBeUndefined();
    }
  });

  it('the raw credentials appear nowhere in what was exported or printed', () => {
    expect(receiver.rawBodies.length).toBeGreaterThan(0);
    const everything = [...receiver.rawBodies, output.stdout, output.stderr].join('\n');
    expect(everything).toContain(fingerprintToken(SERVICE_TOKEN));
    for (const secret of [SERVICE_TOKEN, ALICE_TOKEN]) expect(everything).not.toContain(secret);
  });
});
