import { afterEach, describe, expect, it } from 'vitest';
import { createTestHarness } from 'aibridge-initiator-otel/testing';
import { SERVICE_TOKEN } from '../support/fixtures';
import { gatewayUnderTest, post } from '../support/servers';

// Each client as its current release sends itself: the name it gets, and the session it names.
const harness = createTestHarness({
  clientRules: [
    { client: 'Acme Agent', userAgentPrefix: 'acme-agent/' },
    { client: 'Internal Bot', originator: 'internal-bot' },
  ],
  sessionHeaders: { 'Acme Agent': ['X-Acme-Session'], 'Qwen Code': ['x-qwen-session'] },
});
const gateway = gatewayUnderTest(harness);

afterEach(() => harness.reset());

async function interception(headers: Record<string, string>) {
  await post(`${gateway.url}/v1/chat/completions`, { authorization: `Bearer ${SERVICE_TOKEN}`, ...headers });
  const [span] = harness.interceptionSpans();
  return { client: span?.attributes['aibridge.client'], session: span?.attributes['gen_ai.conversation.id'] };
}

describe('current clients and their sessions', () => {
  it.each([
    [
      'Codex 0.140 and later',
      { 'user-agent': 'codex_exec/0.171.0 (Debian 12.0.0; x86_64)', originator: 'codex_exec', 'session-id': 'c-1' },
      'Codex',
      'c-1',
    ],
    ['Codex before 0.140', { 'user-agent': 'codex_cli_rs/0.120.0', session_id: 'c-0' }, 'Codex', 'c-0'],
    [
      'the Kilo Code CLI, to a provider not Kilo’s',
      { 'user-agent': 'Kilo-Code/7.7.7 (linux; x64)', 'x-session-id': 'k-1' },
      'Kilo Code',
      'k-1',
    ],
    [
      'Kilo Code, to Kilo’s own provider',
      { 'user-agent': 'Kilo-Code/7.7.7', 'x-kilocode-taskid': 'task-9', 'x-session-id': 'k-2' },
      'Kilo Code',
      'task-9',
    ],
    [
      'OpenCode',
      { 'user-agent': 'opencode/1.18.33 ai-sdk/provider-utils/3.0.20', 'x-session-id': 'ses_1' },
      'OpenCode',
      'ses_1',
    ],
    ['Qwen Code', { 'user-agent': 'QwenCode/0.24.4 (linux; x64)' }, 'Qwen Code', undefined],
  ])('%s', async (_, headers, client, session) => {
    expect(await interception(headers)).toEqual({ client, session });
  });
});

describe("an operator's client rules and session headers", () => {
  it('name a client by its User-Agent prefix, with its session from the header given for it', async () => {
    expect(await interception({ 'user-agent': 'Acme-Agent/3.1', 'x-acme-session': 'acme-42' })).toEqual({
      client: 'Acme Agent',
      session: 'acme-42',
    });
  });

  it('name a client by its originator header', async () => {
    expect((await interception({ 'user-agent': 'node', originator: 'internal-bot' })).client).toBe('Internal Bot');
  });

  it('give a built-in client a session header it did not have', async () => {
    expect(await interception({ 'user-agent': 'QwenCode/0.24.4', 'x-qwen-session': 'q-7' })).toEqual({
      client: 'Qwen Code',
      session: 'q-7',
    });
  });

  it("start the rejection counter of the operator's clients at zero, as for the built-in ones", async () => {
    const points = await harness.metricPoints('aibridge.initiator.override.rejections');
    const acme = points.filter((p) => p.attributes['aibridge.client'] === 'Acme Agent');
    expect(acme).toHaveLength(4 * 3);
    expect(acme.every((p) => p.value === 0)).toBe(true);
  });
});
