import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestHarness } from 'aibridge-initiator-otel/testing';
import { createRequire } from 'node:module';
import type * as Hooks from '../../src/otel/interception-hooks';
import { CODER_AGENTS_UA, OWNER_A, SERVICE_TOKEN } from '../support/fixtures';
import { gatewayUnderTest, post } from '../support/servers';
import { fixtureNamed } from '../usage/support';

// The exit path of the built plugin the harness runs (the same module instance, so the same interceptions in flight).
const { recordInFlightAsCutOff } = createRequire(import.meta.url)(
  '../../dist/otel/interception-hooks.js',
) as typeof Hooks;

const harness = createTestHarness();
const gateway = gatewayUnderTest(harness);
afterEach(() => harness.reset());

const agents = { 'user-agent': CODER_AGENTS_UA, authorization: `Bearer ${SERVICE_TOKEN}` };

describe('the interception record', () => {
  it('is emitted once per interception, with the span’s attributes, the status code and the duration', async () => {
    await post(
      `${gateway.url}/v1/chat/completions`,
      { ...agents, 'x-coder-owner-id': OWNER_A },
      { model: 'gpt-4.1-mini', messages: [] },
    );
    await harness.settled();
    const [span] = harness.interceptionSpans();
    const records = harness.interceptionRecords();
    expect(records).toHaveLength(1);
    const [record] = records;
    expect(record?.spanContext?.traceId).toBe(span?.spanContext().traceId);
    expect(record?.spanContext?.spanId).toBe(span?.spanContext().spanId);
    for (const key of [
      'enduser.id',
      'initiator.override',
      'initiator.source',
      'initiator.credential_id',
      'aibridge.client',
      'gen_ai.provider.name',
      'gen_ai.response.model',
      'gen_ai.usage.input_tokens',
      'gen_ai.usage.output_tokens',
      'aibridge.streaming',
    ]) {
      expect(record?.attributes[key], key).toBe(span?.attributes[key]);
    }
    expect(record?.attributes['http.response.status_code']).toBe(200);
    expect(record?.attributes['aibridge.interception.duration']).toBeGreaterThan(0);
    expect(record?.attributes['aibridge.interception.cut_off']).toBeUndefined();
  });

  it('carries the rejection’s reason, never the rejected header’s value', async () => {
    const spoof = 'not-a-uuid-but-a-secret-looking-value';
    await post(`${gateway.url}/v1/messages`, { ...agents, 'x-coder-owner-id': spoof });
    await harness.settled();
    const [record] = harness.interceptionRecords();
    expect(record?.attributes['initiator.override.rejected_reason']).toBe('invalid_format');
    expect(JSON.stringify(record?.attributes)).not.toContain(spoof);
  });

  it('is emitted once for a request its client aborts mid-stream, saying the usage was cut short', async () => {
    await new Promise<void>((resolve) => {
      const req = http.request(
        `${gateway.url}/v1/messages`,
        { method: 'POST', headers: { ...agents, 'content-type': 'application/json' } },
        (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        },
      );
      req.end(JSON.stringify({ model: 'claude-sonnet-4-6', stream: true, delayMs: 30, max_tokens: 10, messages: [] }));
    });
    for (let i = 0; i < 100 && harness.interceptionRecords().length === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const records = harness.interceptionRecords();
    expect(records).toHaveLength(1);
    expect(records[0]?.attributes['aibridge.usage.unavailable']).toBe('truncated');
  });

  it('is emitted once, cut off, for an interception the process exits under, with the usage seen so far', async () => {
    const f = fixtureNamed('anthropic-messages.sse');
    // A gateway of its own, which sends half a stream and then waits.
    const server = http.createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': f.contentType });
      res.write(f.bytes.subarray(0, f.bytes.indexOf('content_block_delta')));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const req = http.request(`http://127.0.0.1:${port}/v1/messages`, { method: 'POST', headers: agents });
    req.on('error', () => {});
    const started = new Promise<void>((resolve) => req.on('response', () => resolve()));
    req.end('{}');
    await started;
    recordInFlightAsCutOff();
    await harness.settled();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const records = harness.interceptionRecords();
    expect(records).toHaveLength(1);
    expect(records[0]?.attributes).toMatchObject({
      'aibridge.interception.cut_off': true,
      'aibridge.usage.unavailable': 'truncated',
      'gen_ai.response.model': 'claude-sonnet-4-5-20250929',
    });
    expect(await harness.counterValue('aibridge.interceptions')).toBe(1);
  });
});
