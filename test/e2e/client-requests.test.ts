import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_TOKEN } from '../support/fixtures';
import { otlpEnv, spawnGateway, type GatewayProcess } from '../support/gateway-process';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver';
import { startUpstream, type Running } from '../support/servers';

// The request heads the current releases of the coding-agent CLIs were seen to send, run offline
// against a local provider (their API key left out), replayed through a real preloaded gateway:
// each interception is named for its client and carries the session the client sent.

interface ClientRequest {
  readonly release: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly client: string;
  readonly session: string | null;
}

const REQUESTS = JSON.parse(
  readFileSync(new URL('../fixtures/client-requests.json', import.meta.url), 'utf8'),
) as ClientRequest[];
const SERVER = 2;

let upstream: Running;
let receiver: OtlpReceiver;
let gateway: { process: GatewayProcess; exited: Promise<unknown> };

beforeAll(async () => {
  upstream = await startUpstream();
  receiver = await startOtlpReceiver();
  const spawned = spawnGateway({
    entry: 'gateway.cjs',
    preload: '--require',
    env: { ...otlpEnv(receiver.url), UPSTREAM_URL: `${upstream.url}/provider`, OTEL_BSP_SCHEDULE_DELAY: '50' },
  });
  gateway = { process: await spawned.started, exited: spawned.exited };
}, 60_000);
afterAll(async () => {
  gateway?.process.child.kill('SIGTERM');
  await gateway?.exited;
  await receiver.close();
  await upstream.close();
});

async function interceptionOf(request: ClientRequest): Promise<ReceivedSpan> {
  const before = receiver.spans.length;
  const response = await fetch(`${gateway.process.url}${request.path}`, {
    method: 'POST',
    headers: { ...request.headers, authorization: `Bearer ${SERVICE_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
  });
  await response.arrayBuffer();
  for (let i = 0; i < 200; i++) {
    const span = receiver.spans
      .slice(before)
      .find((s) => s.kind === SERVER && s.attributes['initiator.override'] !== undefined);
    if (span !== undefined) return span;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('no interception span arrived');
}

describe('the current coding-agent CLIs, as they send their requests', () => {
  it('cover every client whose session was lost or that was not recognised', () => {
    expect(new Set(REQUESTS.map((r) => r.client))).toEqual(
      new Set(['Claude Code', 'Codex', 'OpenCode', 'Kilo Code', 'Qwen Code']),
    );
  });

  it.each(REQUESTS.map((r) => [r.release, r] as const))(
    '%s: named for its client, with the session it sent',
    async (_, request) => {
      const span = await interceptionOf(request);
      expect(span.attributes['aibridge.client']).toBe(request.client);
      expect(span.attributes['gen_ai.conversation.id']).toBe(request.session ?? undefined);
    },
    30_000,
  );
});
