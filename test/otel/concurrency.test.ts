import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SpanKind } from '@opentelemetry/api';
import { currentInitiator, fingerprintToken, type Resolution } from 'aibridge-initiator-otel';
import { createTestHarness } from 'aibridge-initiator-otel/testing';
import { registerSecret } from '../support/scan';
import { gatewayUnderTest } from '../support/servers';

const COUNT = Number(process.env.CONCURRENCY_COUNT ?? 1200);

interface Call {
  readonly index: number;
  readonly token: string;
  readonly owner: string | undefined;
  readonly stream: boolean;
  readonly path: string;
  /** Known to the (slow, asynchronous) directory resolver. */
  readonly inDirectory: boolean;
}

const calls: Call[] = Array.from({ length: COUNT }, (_, index) => ({
  index,
  token: registerSecret(`sk-concurrency-${index}-${randomUUID()}`),
  owner: index % 5 === 0 ? undefined : randomUUID(),
  stream: index % 3 === 0,
  path: index % 2 === 0 ? '/v1/messages' : '/openai/v1/chat/completions',
  inDirectory: index % 4 === 1,
}));
const directory = new Map(calls.filter((c) => c.inDirectory).map((c) => [c.token, `user-${c.index}`]));

// A directory lookup that answers after a random delay, so resolutions finish out of order.
const harness = createTestHarness({
  credentialResolvers: [
    ({ credential }) =>
      directory.has(credential.token)
        ? new Promise((resolve) => setTimeout(() => resolve(directory.get(credential.token)), Math.random() * 40))
        : undefined,
  ],
  http: { headersToSpanAttributes: { server: { requestHeaders: ['x-case'] } } },
});
const seenInHandler = new Map<string, Resolution | undefined>();
const gateway = gatewayUnderTest(harness, (req) =>
  seenInHandler.set(String(req.headers['x-case']), currentInitiator()),
);

const credentialOf = (call: Call) => (call.inDirectory ? `user-${call.index}` : fingerprintToken(call.token));

describe(`${COUNT} concurrent interceptions, slow streams among fast calls`, () => {
  it('each span and point carries its own request’s initiator, never another’s', async () => {
    const responses = await Promise.all(
      calls.map(async (call) => {
        const response = await fetch(gateway.url + call.path, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-case': String(call.index),
            'user-agent': 'coder-agents/2.24.1',
            authorization: `Bearer ${call.token}`,
            ...(call.owner !== undefined && { 'x-coder-owner-id': call.owner }),
          },
          body: JSON.stringify(call.stream ? { stream: true, delayMs: 10 } : {}),
        });
        await response.text();
        return response.status;
      }),
    );
    expect(responses.every((status) => status === 200)).toBe(true);
    // Spans held for a late answer end shortly after their response.
    await harness.settled();

    const servers = harness.interceptionSpans();
    expect(servers).toHaveLength(COUNT);
    const byCase = new Map(servers.map((span) => [String(span.attributes['http.request.header.x-case']), span]));
    const clients = harness.finishedSpans().filter((span) => span.kind === SpanKind.CLIENT);
    const childOf = new Map(clients.map((span) => [span.parentSpanContext?.spanId, span]));

    const wrong: string[] = [];
    for (const call of calls) {
      const span = byCase.get(String(call.index));
      const expectedInitiator = call.owner ?? credentialOf(call);
      if (span?.attributes['enduser.id'] !== expectedInitiator)
        wrong.push(`#${call.index} enduser.id ${String(span?.attributes['enduser.id'])}`);
      if (span?.attributes['initiator.credential_id'] !== credentialOf(call))
        wrong.push(`#${call.index} credential_id`);
      if (span?.attributes['initiator.override'] !== (call.owner !== undefined)) wrong.push(`#${call.index} override`);
      const child = childOf.get(span?.spanContext().spanId);
      if (child?.attributes['enduser.id'] !== expectedInitiator)
        wrong.push(`#${call.index} upstream span enduser.id ${String(child?.attributes['enduser.id'])}`);
      const seen = seenInHandler.get(String(call.index));
      // currentInitiator() is known in the handler unless the directory was still answering.
      if (seen !== undefined && seen.initiator !== expectedInitiator)
        wrong.push(`#${call.index} currentInitiator ${String(seen.initiator)}`);
      if (seen === undefined && !call.inDirectory) wrong.push(`#${call.index} currentInitiator missing`);
    }
    expect(wrong).toEqual([]);

    const overrides = calls.filter((c) => c.owner !== undefined);
    expect(await harness.counterValue('aibridge.interceptions')).toBe(COUNT);
    expect(await harness.counterValue('aibridge.interceptions', { 'initiator.override': true })).toBe(overrides.length);
    expect(
      await harness.counterValue('aibridge.interceptions', {
        'gen_ai.provider.name': 'anthropic',
        'initiator.override': true,
      }),
    ).toBe(overrides.filter((c) => c.path === '/v1/messages').length);
    const durations = await harness.metricPoints('aibridge.interception.duration');
    expect(durations.reduce((sum, point) => sum + (typeof point.value === 'number' ? 0 : point.value.count), 0)).toBe(
      COUNT,
    );
  }, 60_000);
});
