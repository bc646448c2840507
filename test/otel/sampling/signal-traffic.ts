import { AlwaysOffSampler } from '@opentelemetry/sdk-trace';
import { afterAll, expect } from 'vitest';
import { createTestHarness } from 'aibridge-initiator-otel/testing';
import type { InitiatorInstrumentationConfig } from 'aibridge-initiator-otel';
import {
  ALICE_TOKEN,
  CLAUDE_CODE_UA,
  CODER_AGENTS_UA,
  OWNER_A,
  SERVICE_TOKEN,
  SOMEONE_ELSE_TOKEN,
} from '../../support/fixtures';
import { post, startGateway, startUpstream, type Running } from '../../support/servers';

const agents = { 'user-agent': CODER_AGENTS_UA, authorization: `Bearer ${SERVICE_TOKEN}` };

/** One of each kind of interception a sampling rule may keep. */
export const TRAFFIC = {
  applied: { ...agents, 'x-coder-owner-id': OWNER_A },
  rejected: { ...agents, 'x-coder-owner-id': 'not-a-uuid' },
  noHeader: agents,
  otherClientWithHeader: {
    'user-agent': CLAUDE_CODE_UA,
    authorization: `Bearer ${ALICE_TOKEN}`,
    'x-coder-owner-id': OWNER_A,
  },
  // The resolver below cannot vouch for this credential.
  unvouched: { 'user-agent': CLAUDE_CODE_UA, authorization: `Bearer ${SOMEONE_ELSE_TOKEN}` },
  // Its resolver answers only after the span has started, so the signal is not known in time.
  pendingWithHeader: { ...agents, authorization: 'Bearer slow-token-1', 'x-coder-owner-id': 'not-a-uuid' },
  pendingWithoutHeader: { ...agents, authorization: 'Bearer slow-token-2' },
};

/**
 * A harness whose configured sampler drops everything, so that what is sampled is what the signals
 * keep, and a function that sends the traffic and names the interceptions that were sampled.
 */
export function samplingUnder(config: InitiatorInstrumentationConfig): () => Promise<string[]> {
  const harness = createTestHarness(
    {
      ...config,
      credentialResolvers: [
        ({ credential }) => {
          if (credential.token === SOMEONE_ELSE_TOKEN) return ' not an id ';
          if (credential.token.startsWith('slow-'))
            return new Promise((resolve) => setTimeout(() => resolve('svc'), 30));
          return undefined;
        },
      ],
    },
    { sampler: new AlwaysOffSampler() },
  );
  let servers: Running[] = [];
  afterAll(async () => {
    for (const server of servers) await server.close();
    await harness.shutdown();
  });
  return async () => {
    const upstream = await startUpstream();
    const gateway = await startGateway(`${upstream.url}/provider`);
    servers = [gateway, upstream];
    const sampled: string[] = [];
    for (const [name, headers] of Object.entries(TRAFFIC)) {
      const before = harness.interceptionSpans().length;
      await post(`${gateway.url}/v1/messages`, headers);
      await harness.settled();
      if (harness.interceptionSpans().length > before) sampled.push(name);
    }
    // Every interception has its record, sampled or not.
    expect(harness.interceptionRecords()).toHaveLength(Object.keys(TRAFFIC).length);
    return sampled;
  };
}
