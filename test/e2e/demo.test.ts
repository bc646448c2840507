import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintToken } from 'aibridge-initiator-otel';
import { ALICE, BOB, MALLORY, OWNERS, SERVICE_ACCOUNT, type Caller } from '../../examples/demo/callers';
import { usageOf } from '../../examples/demo/provider-responses';
import { CALLS, tokenTypesOf, usageFor, type Call, type Usage } from '../../examples/demo/traffic';
import { DEMO_MAIN } from '../support/demo-build';
import { freePort, REPO_ROOT } from '../support/gateway-process';
import { recordOutput } from '../support/scan';

/** The rows of the Markdown table that follows `heading` in the output. */
function tableAfter(output: string, heading: string): string[][] {
  const lines = output.slice(output.indexOf(heading)).split('\n');
  const start = lines.findIndex((line) => line.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

/** A table's number, as printed with thousands separators. */
const num = (cell: string | undefined) => Number((cell ?? '').replaceAll(',', ''));

const CLIENT_OF = new Map<Caller, string>([
  [ALICE, 'Claude Code'],
  [BOB, 'Codex'],
  [SERVICE_ACCOUNT, 'Coder Agents'],
]);
const CREDENTIAL_INITIATOR = new Map<Caller, string>([
  [ALICE, 'alice'],
  [BOB, 'bob'],
  [SERVICE_ACCOUNT, 'svc-coder-agents'],
  [MALLORY, fingerprintToken(MALLORY.key)],
]);
const VALID_OWNERS: readonly string[] = Object.values(OWNERS);

/**
 * Who the demo's rules attribute a call to: the owner, when the service account names a valid one;
 * else the credential's initiator ('zed' stands for the expired JWT's fingerprint, new each run).
 */
function initiatorOf(call: Call): string {
  if (call.caller === SERVICE_ACCOUNT && call.owner !== undefined && VALID_OWNERS.includes(call.owner.toLowerCase()))
    return call.owner.toLowerCase();
  return CREDENTIAL_INITIATOR.get(call.caller) ?? 'zed';
}

/** Input and output tokens the mock reported, summed by `key`. */
function mockTokensBy(key: (call: Call) => string | undefined): Map<string, { input: number; output: number }> {
  const sums = new Map<string, { input: number; output: number }>();
  for (const call of CALLS) {
    const group = key(call);
    if (group === undefined) continue;
    const usage = usageFor(call);
    const sum = sums.get(group) ?? { input: 0, output: 0 };
    sum.input += usage?.inputTokens ?? 0;
    sum.output += usage?.outputTokens ?? 0;
    sums.set(group, sum);
  }
  return sums;
}

// Each run gets a temporary directory of its own (TMPDIR), to see what it leaves behind there.
const runTmp: string[] = [];
function demoEnv(): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'demo-run-tmp-'));
  runTmp.push(dir);
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TMPDIR: dir };
}
afterAll(() => {
  for (const dir of runTmp) rmSync(dir, { recursive: true, force: true });
});

/** The demo's own temporary directories (its credentials file's) still in `env.TMPDIR`. */
const leftovers = (env: Record<string, string>) =>
  readdirSync(env.TMPDIR!).filter((name) => name.startsWith('aibridge-demo-'));

/** The credentials file the demo says it wrote. */
const credentialsFileIn = (text: string) => /AIBRIDGE_CREDENTIALS_FILE=(\S+)/.exec(text)?.[1];

let output = '';
let exitCode: number | null = null;
let onceEnv: Record<string, string> = {};

beforeAll(async () => {
  const metricsPort = await freePort();
  onceEnv = demoEnv();
  const child = spawn(
    'npm',
    ['start', '--silent', '--', '--once', '--port', '0', '--metrics-port', String(metricsPort)],
    {
      cwd: REPO_ROOT,
      env: onceEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  exitCode = await new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  recordOutput('process', output);
}, 90_000);

describe('npm start -- --once', () => {
  it('exits 0 after the summary', () => {
    expect(output).toContain('Where to look next:');
    expect(exitCode).toBe(0);
  });

  it('sent every call, none failed', () => {
    expect(output).not.toContain('FAILED');
    expect(CALLS).toHaveLength(15);
  });

  it('attributes each owner exactly as often as Coder Agents named them', () => {
    const rows = tableAfter(output, 'Interceptions and tokens by initiator');
    const owners = rows
      .filter(([, source]) => source === 'owner_header')
      .map(([initiator, , client, override, count]) => [initiator, client, override, Number(count)]);
    expect(owners).toEqual(
      expect.arrayContaining([
        [OWNERS.dana, 'Coder Agents', 'true', 2],
        [OWNERS.eli, 'Coder Agents', 'true', 2],
        [OWNERS.fay, 'Coder Agents', 'true', 1],
      ]),
    );
    expect(owners).toHaveLength(3);
  });

  it('attributes everything else to the credential that made it, named by the credentials file', () => {
    const rows = tableAfter(output, 'Interceptions and tokens by initiator').filter(
      ([, source]) => source === 'credential',
    );
    expect(rows.map(([initiator, , client, override, count]) => [initiator, client, override, Number(count)])).toEqual(
      expect.arrayContaining([
        ['alice', 'Claude Code', 'false', 3],
        ['bob', 'Codex', 'false', 2],
        ['svc-coder-agents', 'Coder Agents', 'false', 3],
        // Not in the credentials file: known only by fingerprint.
        [fingerprintToken(MALLORY.key), 'Coder Agents', 'false', 1],
        // An expired JWT yields no identity: the fingerprint of that token.
        [expect.stringMatching(/^key-[0-9a-f]{16}$/), 'Zed', 'false', 1],
      ]),
    );
    expect(rows).toHaveLength(5);
  });

  it('counts the rejections per reason and client, as scraped from Prometheus', () => {
    expect(tableAfter(output, 'Owner-header rejections')).toEqual([
      // The demo gateway accepts every key it is sent: none is refused with 401 or 403.
      ['client_not_allowed', 'Claude Code', 'accepted', '1'],
      ['credential_not_trusted', 'Coder Agents', 'accepted', '1'],
      ['invalid_format', 'Coder Agents', 'accepted', '2'],
    ]);
    expect(output).toContain('Prometheus totals: 15 interceptions, 5 attributed through the owner header (33%).');
    expect(tableAfter(output, 'Credentials a resolver could not vouch for')).toEqual([['jwt', 'expired', '1']]);
  });

  it('lists one distinct trace per interception', () => {
    const traces = tableAfter(output, 'Trace IDs:');
    expect(traces).toHaveLength(CALLS.length);
    expect(new Set(traces.map(([traceId]) => traceId)).size).toBe(CALLS.length);
    for (const [traceId] of traces) expect(traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('ends streamed interceptions when their stream ends, not at the first byte', () => {
    const durations = tableAfter(output, 'Trace IDs:').map((row) => Number(row.at(-1)));
    const streamed = CALLS.flatMap((call, i) => (call.stream ? [durations[i] ?? 0] : []));
    expect(streamed).toHaveLength(6);
    // The mock paces at least seven events 15 ms apart on every streamed endpoint.
    for (const ms of streamed) expect(ms).toBeGreaterThanOrEqual(100);
  });

  it('sends streamed and plain calls of every API, and one chat stream that asks for no usage', () => {
    const shapes = new Set(CALLS.map((call) => `${call.endpoint} ${call.stream}`));
    expect([...shapes].sort()).toEqual([
      'chat false',
      'chat true',
      'messages false',
      'messages true',
      'responses false',
      'responses true',
    ]);
    expect(CALLS.filter((call) => usageFor(call) === undefined)).toEqual([
      expect.objectContaining({ endpoint: 'chat', stream: true, includeUsage: false }),
    ]);
  });

  it('has the mock report cached input and reasoning, differently for each call', () => {
    const usages = CALLS.map(usageFor).filter((usage): usage is Usage => usage !== undefined);
    expect(usages.some((u) => u.cacheReadInputTokens > 0 && u.cacheCreationInputTokens === undefined)).toBe(true);
    expect(usages.some((u) => u.cacheReadInputTokens > 0 && u.cacheCreationInputTokens === 0)).toBe(true);
    expect(usages.some((u) => (u.cacheCreationInputTokens ?? 0) > 0)).toBe(true);
    expect(usages.some((u) => (u.reasoningOutputTokens ?? 0) > 0)).toBe(true);
    expect(new Set(usages.map((u) => `${u.inputTokens}/${u.outputTokens}`)).size).toBe(usages.length);
    // Pure: asking again gives the same figures.
    expect(CALLS.map(usageFor)).toEqual(CALLS.map(usageFor));
  });

  it('reads back, per initiator, the tokens the mock provider reported', () => {
    const rows = tableAfter(output, 'Interceptions and tokens by initiator');
    const printed = new Map<string, { input: number; output: number }>();
    for (const [initiator = '', , client, , , input, out] of rows) {
      const key = client === 'Zed' ? 'zed' : initiator;
      expect(printed.has(key), key).toBe(false);
      printed.set(key, { input: num(input), output: num(out) });
    }
    const expected = mockTokensBy(initiatorOf);
    expect(Object.fromEntries(printed)).toEqual(Object.fromEntries(expected));
    // The stream without usage is the Zed user's only call.
    expect(printed.get('zed')).toEqual({ input: 0, output: 0 });
    expect(expected.get('alice')!.input).toBeGreaterThan(1000);
  });

  it('counts in Prometheus, by source and token type, what the spans and the mock say', () => {
    const initiators = tableAfter(output, 'Interceptions and tokens by initiator');
    const bySource = tableAfter(output, 'Tokens by initiator source');
    expect(bySource.map(([source]) => source)).toEqual(['credential', 'owner_header', 'all']);
    for (const [source, input, cacheRead, cacheCreation, out, total] of bySource) {
      const spans = initiators.filter((row) => source === 'all' || row[1] === source);
      const spanInput = spans.reduce((sum, row) => sum + num(row[5]), 0);
      const spanOutput = spans.reduce((sum, row) => sum + num(row[6]), 0);
      expect(num(input) + num(cacheRead) + num(cacheCreation), `${source} input`).toBe(spanInput);
      expect(num(out), `${source} output`).toBe(spanOutput);
      expect(num(total)).toBe(spanInput + spanOutput);
    }
    const mock = { input: 0, cache_read: 0, cache_creation: 0, output: 0 };
    for (const usage of CALLS.map(usageFor)) {
      if (usage === undefined) continue;
      for (const [type, value] of Object.entries(tokenTypesOf(usage))) mock[type as keyof typeof mock] += value;
    }
    const all = bySource.at(-1)!.slice(1).map(num);
    expect(all).toEqual([
      mock.input,
      mock.cache_read,
      mock.cache_creation,
      mock.output,
      mock.input + mock.cache_read + mock.cache_creation + mock.output,
    ]);
    expect(mock.cache_read).toBeGreaterThan(0);
    expect(mock.cache_creation).toBeGreaterThan(0);
  });

  it('says the tokens agree with what the mock provider reported', () => {
    const reported = CALLS.map(usageFor).filter((usage): usage is Usage => usage !== undefined);
    const sum = (figure: (usage: Usage) => number) =>
      reported.reduce((total, usage) => total + figure(usage), 0).toLocaleString('en-US');
    expect(output).toContain(
      `Tokens the mock provider reported for the ${reported.length} of ${CALLS.length} calls it gave usage for: ` +
        `${sum((u) => u.inputTokens)} input (${sum((u) => u.cacheReadInputTokens)} read from cache, ${sum((u) => u.cacheCreationInputTokens ?? 0)} written to it), ${sum((u) => u.outputTokens)} output.`,
    );
    expect(output).toContain('The spans and aibridge_tokens_total agree with it: yes.');
  });

  it('reports the chat stream that asked for no usage as missing, on its span and in Prometheus', () => {
    expect(tableAfter(output, 'Interceptions whose usage could not be read')).toEqual([
      ['missing', 'Zed', 'openai', '1', '1'],
    ]);
  });

  it('groups the calls by the conversation each client named in its session header', () => {
    const rows = tableAfter(output, 'Conversations (gen_ai.conversation.id');
    const expected = mockTokensBy((call) =>
      call.caller.sessionHeader === undefined ? undefined : call.conversation.id,
    );
    expect(rows.map(([conversation]) => conversation).sort()).toEqual([...expected.keys()].sort());
    for (const [conversation = '', client, initiator, count, input, out] of rows) {
      const calls = CALLS.filter((call) => call.conversation.id === conversation);
      expect([client, initiator, num(count)], conversation).toEqual([
        CLIENT_OF.get(calls[0]!.caller),
        initiatorOf(calls[0]!),
        calls.length,
      ]);
      expect({ input: num(input), output: num(out) }, conversation).toEqual(expected.get(conversation));
    }
    // One session per client that names one: Claude Code, Codex and Coder Agents.
    expect(new Set(rows.map(([, client]) => client))).toEqual(new Set(['Claude Code', 'Codex', 'Coder Agents']));
    expect(rows.find(([conversation]) => conversation === CALLS[0]!.conversation.id)?.[3]).toBe('3');
  });

  it('prints no credential, only fingerprints', () => {
    for (const caller of [ALICE, BOB, SERVICE_ACCOUNT, MALLORY]) expect(output).not.toContain(caller.key);
  });

  it('removes the temporary directory of its credentials file', () => {
    const file = credentialsFileIn(output);
    expect(file?.startsWith(join(onceEnv.TMPDIR!, 'aibridge-demo-'))).toBe(true);
    expect(existsSync(file!)).toBe(false);
    expect(leftovers(onceEnv)).toEqual([]);
  });

  it('prints no curl hint: the gateway and its Prometheus endpoint have stopped', () => {
    expect(output).not.toContain('curl');
    expect(output).not.toContain('keeps running');
  });
});

describe('npm start, the gateway kept running', () => {
  it('hints at curl for the live endpoints, prints new interceptions, and cleans up on Ctrl-C', async () => {
    const env = demoEnv();
    // Built by the run above; started without npm, whose handling of signals is not the demo's.
    const child = spawn(process.execPath, [DEMO_MAIN, '--port', '0', '--metrics-port', String(await freePort())], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let ended: number | null | undefined;
    const until = async (what: string) => {
      while (!text.includes(what)) {
        if (child.exitCode !== null) throw new Error(`the demo ended before printing "${what}":\n${text}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    try {
      await until('New interceptions are printed');
      expect(text).toContain('  Prometheus: curl -s http://127.0.0.1:');
      const gatewayUrl = /Gateway: (http:\/\/\S+)/.exec(text)![1]!;
      expect(text).toContain(`  curl -s ${gatewayUrl}/openai/v1/chat/completions`);

      // The hinted call, made with fetch: it reaches the mock provider and is printed live.
      const response = await fetch(`${gatewayUrl}/openai/v1/chat/completions`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': SERVICE_ACCOUNT.userAgent,
          authorization: `Bearer ${SERVICE_ACCOUNT.key}`,
          'x-coder-owner-id': OWNERS.dana,
        },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { object: string }).object).toBe('chat.completion');
      // The live line tells what the mock reported for the call.
      const usage = usageOf('chat', {
        model: 'gpt-4o-mini',
        body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
      });
      await until(`enduser.id=${OWNERS.dana}  override=true  tokens=${usage.inputTokens} in/${usage.outputTokens} out`);
      expect(existsSync(credentialsFileIn(text)!)).toBe(true);
    } finally {
      child.kill('SIGINT');
      ended = await exited;
      recordOutput('process', text);
    }
    expect(ended).toBe(0);
    expect(leftovers(env)).toEqual([]);
  }, 90_000);
});

describe('npm start on a busy port', () => {
  it('refuses with a message naming the port and the option to change it', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const env = demoEnv();
    const child = spawn('npm', ['start', '--silent', '--', '--once', '--port', String(port)], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    blocker.close();
    expect(code).toBe(1);
    expect(stderr).toContain(`port ${port} for the gateway is already in use; choose another with --port <port>`);
    expect(leftovers(env)).toEqual([]);
  });
});
