import { unlinkSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { METRIC_CREDENTIALS_FILE_RELOAD_FAILED } from 'aibridge-initiator-otel';
import { createTestHarness } from 'aibridge-initiator-otel/testing';
import { CREDENTIALS_FILE_POLL_MS } from '../../src/identity/credentials-file';
import { credentialsJson, replaceFile, writeCredentialsFile } from '../support/credentials-file';
import { ALICE_TOKEN, CLAUDE_CODE_UA, SERVICE_TOKEN } from '../support/fixtures';
import { gatewayUnderTest, post } from '../support/servers';

const path = writeCredentialsFile([{ token: ALICE_TOKEN, initiator: 'alice' }]);
const harness = createTestHarness({ credentialsFile: path });
const gateway = gatewayUnderTest(harness);

afterEach(() => harness.reset());

/** The gauge's points: one, without attributes, while a credentials file is configured. */
const gauge = () => harness.metricPoints(METRIC_CREDENTIALS_FILE_RELOAD_FAILED);

async function gaugeBecomes(value: number): Promise<void> {
  // The file is polled; a few polls are plenty for a change to be seen.
  const deadline = Date.now() + 10 * CREDENTIALS_FILE_POLL_MS;
  while ((await gauge())[0]?.value !== value) {
    if (Date.now() > deadline) throw new Error(`${METRIC_CREDENTIALS_FILE_RELOAD_FAILED} never became ${value}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function initiatorOf(token: string): Promise<unknown> {
  await post(`${gateway.url}/v1/messages`, { 'user-agent': CLAUDE_CODE_UA, authorization: `Bearer ${token}` });
  await harness.settled();
  return harness.interceptionSpans().at(-1)?.attributes['initiator.credential_id'];
}

describe('aibridge.initiator.credentials_file.reload_failed', () => {
  it('is 0 from the start, 1 while a new version cannot be loaded, and 0 again once one loads', async () => {
    expect(await gauge()).toEqual([{ name: METRIC_CREDENTIALS_FILE_RELOAD_FAILED, attributes: {}, value: 0 }]);
    expect(await initiatorOf(ALICE_TOKEN)).toBe('alice');

    replaceFile(path, '{ "credentials": [ { "sha256": "not-a-hash", "initiator": "x" } ] }');
    await gaugeBecomes(1);
    // The previous version still resolves, which is why only a metric can tell.
    expect(await initiatorOf(ALICE_TOKEN)).toBe('alice');

    replaceFile(
      path,
      credentialsJson([
        { token: ALICE_TOKEN, initiator: 'alice' },
        { token: SERVICE_TOKEN, initiator: 'svc-coder-agents', delegate: true },
      ]),
    );
    await gaugeBecomes(0);
    expect(await initiatorOf(SERVICE_TOKEN)).toBe('svc-coder-agents');
  });

  it('is 1 while the file is gone, and stays a single series', async () => {
    unlinkSync(path);
    await gaugeBecomes(1);
    expect(await gauge()).toHaveLength(1);
    replaceFile(path, credentialsJson([{ token: ALICE_TOKEN, initiator: 'alice' }]));
    await gaugeBecomes(0);
  });
});
