import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CODER_AGENTS_UA, OWNER_A, SERVICE_TOKEN } from '../support/fixtures';
import { otlpEnv, spawnGateway } from '../support/gateway-process';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver';
import { startUpstream, type Running } from '../support/servers';

const SERVER = 2;
const agents = {
  'user-agent': CODER_AGENTS_UA,
  authorization: `Bearer ${SERVICE_TOKEN}`,
  'content-type': 'application/json',
};

function post(url: string, headers: Record<string, string>, body: object, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

let upstream: Running;
beforeAll(async () => {
  upstream = await startUpstream();
});
afterAll(() => upstream.close());

/** The fixture gateway with the plugin preloaded, exporting to `receiver`, proxying to the mock provider. */
function preloadedGateway(receiver: OtlpReceiver, env: Record<string, string>) {
  return spawnGateway({
    entry: 'gateway.cjs',
    preload: '--require',
    env: { ...otlpEnv(receiver.url), UPSTREAM_URL: `${upstream.url}/provider`, ...env },
  });
}

describe('sampled at 1%, with the signals kept', () => {
  const TOTAL = 1000;
  const REJECTED = 100;
  let receiver: OtlpReceiver;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    const spawned = preloadedGateway(receiver, {
      OTEL_TRACES_SAMPLER: 'traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.01',
    });
    const gateway = await spawned.started;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    await Promise.all(
      Array.from({ length: TOTAL }, (_, i) =>
        post(
          `${gateway.url}/v1/chat/completions`,
          { ...agents, 'x-coder-owner-id': i < REJECTED ? `spoofed-${i}` : OWNER_A },
          { model: 'gpt-4.1-mini', messages: [{ role: 'user', content: `call ${i}` }] },
          agent,
        ),
      ),
    );
    agent.destroy();
    gateway.child.kill('SIGTERM');
    await spawned.exited;
  }, 60_000);
  afterAll(() => receiver.close());

  it('exports every interception with a rejected owner header as a span', () => {
    const interceptions = receiver.spans.filter(
      (s) => s.kind === SERVER && s.attributes['initiator.override'] !== undefined,
    );
    expect(
      interceptions.filter((s) => s.attributes['initiator.override.rejected_reason'] === 'invalid_format'),
    ).toHaveLength(REJECTED);
  });

  it('exports about 1% of the others', () => {
    const others = receiver.spans.filter((s) => s.kind === SERVER && s.attributes['initiator.override'] === true);
    // 900 draws at 1%: 9 expected; below 30 with overwhelming probability.
    expect(others.length).toBeLessThan(30);
  });

  it('keeps a record of every interception regardless', () => {
    expect(receiver.records).toHaveLength(TOTAL);
    expect(
      receiver.records.filter((r) => r.attributes['initiator.override.rejected_reason'] === 'invalid_format'),
    ).toHaveLength(REJECTED);
  });
});

describe.each([
  ['the gateway does not handle SIGTERM', undefined],
  ['the gateway’s handler closes its connections and exits', 'handle'],
])('SIGTERM with 300 interceptions streaming: %s', (_, mode) => {
  const IN_FLIGHT = 300;
  let receiver: OtlpReceiver;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    const spawned = preloadedGateway(receiver, {
      OTEL_BLRP_SCHEDULE_DELAY: '600000',
      ...(mode !== undefined && { GATEWAY_SIGTERM: mode }),
    });
    const gateway = await spawned.started;
    const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
    let streaming = 0;
    const allStreaming = new Promise<void>((resolve) => {
      for (let i = 0; i < IN_FLIGHT; i++) {
        const req = http.request(`${gateway.url}/v1/messages`, { method: 'POST', agent, headers: agents }, (res) => {
          res.once('data', () => {
            if (++streaming === IN_FLIGHT) resolve();
          });
          res.on('error', () => {});
          res.resume();
        });
        req.on('error', () => {});
        req.end(
          JSON.stringify({ model: 'claude-haiku-4-5', stream: true, delayMs: 2000, max_tokens: 10, messages: [] }),
        );
      }
    });
    await allStreaming;
    gateway.child.kill('SIGTERM');
    await spawned.exited;
    agent.destroy();
  }, 60_000);
  afterAll(() => receiver.close());

  it('loses none of their records, each saying its usage was cut short', () => {
    expect(receiver.records).toHaveLength(IN_FLIGHT);
    for (const record of receiver.records) expect(record.attributes['aibridge.usage.unavailable']).toBe('truncated');
  });
});
