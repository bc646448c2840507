import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_ACCOUNT } from '../../examples/demo/callers';
import { CALLS, send, tokenTypesOf, usageFor } from '../../examples/demo/traffic';
import { buildDemo, DEMO_MAIN } from '../support/demo-build';
import { freePort, REPO_ROOT } from '../support/gateway-process';
import { prometheusAvailable } from '../support/prometheus';
import { recordOutput, registerSecret } from '../support/scan';

// Owner IDs the demo sends that the rules accept: canonical UUIDv4.
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

interface Panel {
  type: string;
  title: string;
  targets?: { expr: string }[];
}

const available = prometheusAvailable();
const dashboard = JSON.parse(readFileSync(join(REPO_ROOT, 'dashboards/aibridge-initiators.json'), 'utf8')) as {
  panels: Panel[];
};
const queries = dashboard.panels.flatMap((panel) =>
  (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })),
);
// What Grafana would put in: "All" for the variables, a rate window that holds a few 1 s scrapes.
const substitute = (expr: string) =>
  expr.replaceAll('$service', '.*').replaceAll('$client', '.*').replaceAll('$__rate_interval', '1m');

let prometheus: ChildProcess | undefined;
let demo: ChildProcess | undefined;
let prometheusUrl = '';
let gatewayUrl = '';

async function query(expr: string): Promise<{
  status: string;
  data: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
  error?: string;
}> {
  const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
  return (await response.json()) as never;
}

async function scalar(expr: string): Promise<number> {
  const answer = await query(expr);
  return answer.data.result.reduce((sum, sample) => sum + Number(sample.value[1]), 0);
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function output(child: ChildProcess): () => string {
  let text = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  child.on('exit', () => recordOutput('process', text));
  return () => text;
}

describe.runIf(available)('the dashboard and the rules against a real Prometheus scraping the demo gateway', () => {
  beforeAll(async () => {
    const [metricsPort, prometheusPort] = [await freePort(), await freePort()];
    const dir = mkdtempSync(join(tmpdir(), 'aibridge-prometheus-'));
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        `rule_files: ['${join(REPO_ROOT, 'dashboards/prometheus/alerts.yml')}']`,
        'scrape_configs:',
        `  - { job_name: aibridge-demo-gateway, static_configs: [ { targets: ['127.0.0.1:${metricsPort}'] } ] }`,
      ].join('\n'),
    );
    prometheus = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${prometheusPort}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    output(prometheus);
    prometheusUrl = `http://127.0.0.1:${prometheusPort}`;
    await waitFor(async () => (await fetch(`${prometheusUrl}/-/ready`)).ok, 'Prometheus to be ready');

    buildDemo();
    demo = spawn(process.execPath, [DEMO_MAIN, '--port', '0', '--metrics-port', String(metricsPort)], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const demoOutput = output(demo);
    await waitFor(() => Promise.resolve(demoOutput().includes('New interceptions are printed')), 'the demo traffic');
    gatewayUrl = /Gateway: (http:\/\/\S+)/.exec(demoOutput())![1]!;
    await waitFor(
      async () => (await scalar('sum(aibridge_interceptions_total)')) === CALLS.length,
      'the first round in Prometheus',
    );
    // A second round, so that every rate has an increase between two scrapes to see.
    for (const call of CALLS) registerSecret(await send(gatewayUrl, call));
    await waitFor(
      async () => (await scalar('sum(aibridge_interceptions_total)')) === 2 * CALLS.length,
      'the second round in Prometheus',
    );
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }, 120_000);

  afterAll(async () => {
    for (const child of [demo, prometheus]) {
      if (child === undefined || child.exitCode !== null) continue;
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });

  it('finds the dashboard’s queries', () => {
    expect(queries.length).toBeGreaterThanOrEqual(8);
  });

  it.each(queries.map((q) => [q.panel, q.expr] as const))('panel "%s": %s parses and returns data', async (_, expr) => {
    const answer = await query(substitute(expr));
    expect(answer.error).toBeUndefined();
    expect(answer.status).toBe('success');
    expect(answer.data.resultType).toBe('vector');
    expect(answer.data.result.length).toBeGreaterThan(0);
    for (const sample of answer.data.result) expect(Number.isFinite(Number(sample.value[1]))).toBe(true);
  });

  // What each panel must show for the demo's traffic: the label values of its non-zero series.
  const shows: Record<string, Record<string, string[]>> = {
    'Interceptions by override': { initiator_override: ['false', 'true'] },
    'Interceptions by source': { initiator_source: ['credential', 'owner_header'] },
    'Interceptions by client and provider': {
      aibridge_client: ['Claude Code', 'Codex', 'Coder Agents', 'Zed'],
      gen_ai_provider_name: ['anthropic', 'openai'],
    },
    'Owner-header rejections by reason and client': {
      reason: ['client_not_allowed', 'credential_not_trusted', 'invalid_format'],
      aibridge_client: ['Claude Code', 'Coder Agents'],
    },
    'Resolver errors': { resolver: ['jwt'], reason: ['expired'] },
    'Interception duration p50 / p95': { initiator_override: ['false', 'true'] },
    'Tokens by initiator source': { initiator_source: ['credential', 'owner_header'] },
    'Tokens by type': { gen_ai_token_type: ['cache_creation', 'cache_read', 'input', 'output'] },
    'Tokens by client': { aibridge_client: ['Claude Code', 'Codex', 'Coder Agents'] },
    'Tokens by model': {
      gen_ai_response_model: [
        ...new Set(CALLS.map((call) => usageFor(call)?.model).filter((model) => model !== undefined)),
      ],
    },
    'Usage unavailable by reason': { reason: ['missing'] },
  };

  it.each(Object.entries(shows))('panel "%s" splits the traffic as sent', async (panel, labels) => {
    const exprs = queries.filter((q) => q.panel === panel).map((q) => q.expr);
    expect(exprs.length).toBeGreaterThan(0);
    for (const expr of exprs) {
      const series = (await query(substitute(expr))).data.result.filter((s) => Number(s.value[1]) > 0);
      for (const [label, values] of Object.entries(labels))
        expect([...new Set(series.map((s) => s.metric[label]))].sort(), `${panel}: ${label}`).toEqual(
          [...values].sort(),
        );
    }
  });

  it('counts what the traffic sent: interceptions, overrides, rejections by reason', async () => {
    const rounds = 2;
    // The demo's calls: Coder Agents for dana (2), eli (2) and fay (1) with valid owner headers.
    expect(await scalar('sum(aibridge_interceptions_total)')).toBe(rounds * CALLS.length);
    expect(await scalar('sum(aibridge_interceptions_total{initiator_override="true"})')).toBe(rounds * 5);
    expect(await scalar('sum(aibridge_initiator_override_rejections_total{reason="invalid_format"})')).toBe(rounds * 2);
    expect(
      await scalar(
        'sum(aibridge_initiator_override_rejections_total{reason="client_not_allowed", aibridge_client="Claude Code"})',
      ),
    ).toBe(rounds * 1);
    expect(await scalar('sum(aibridge_initiator_override_rejections_total{reason="credential_not_trusted"})')).toBe(
      rounds * 1,
    );
    expect(await scalar('sum(aibridge_initiator_resolver_errors_total{resolver="jwt", reason="expired"})')).toBe(
      rounds * 1,
    );
    const share = await scalar(
      substitute(queries.find((q) => q.panel === 'Share attributed through the owner header')!.expr),
    );
    expect(share).toBeGreaterThan(0.2);
    expect(share).toBeLessThan(0.5);
  });

  it('counts the tokens the mock provider reported, by type and by source', async () => {
    const rounds = 2;
    const expected = { input: 0, cache_read: 0, cache_creation: 0, output: 0 };
    const owner = { ...expected };
    for (const call of CALLS) {
      const usage = usageFor(call);
      if (usage === undefined) continue;
      for (const [type, count] of Object.entries(tokenTypesOf(usage)) as [keyof typeof expected, number][]) {
        expected[type] += rounds * count;
        // The owner header applies to canonical UUIDv4 owners sent with the service account's key.
        if (call.caller === SERVICE_ACCOUNT && call.owner !== undefined && UUID_V4.test(call.owner))
          owner[type] += rounds * count;
      }
    }
    for (const [type, count] of Object.entries(expected)) {
      expect(await scalar(`sum(aibridge_tokens_total{gen_ai_token_type="${type}"})`), type).toBe(count);
    }
    const ownerTotal = Object.values(owner).reduce((a, b) => a + b, 0);
    expect(await scalar('sum(aibridge_tokens_total{initiator_source="owner_header"})')).toBe(ownerTotal);
    expect(await scalar('sum(aibridge_usage_unavailable_total{reason="missing"})')).toBe(
      rounds * CALLS.filter((call) => usageFor(call) === undefined).length,
    );
    expect(await scalar('sum(aibridge_interceptions_active)')).toBe(0);
    const share = await scalar(
      substitute(queries.find((q) => q.panel === 'Share of tokens through the owner header')!.expr),
    );
    expect(share).toBeGreaterThan(0);
    expect(share).toBeLessThan(1);
  });

  it('fires the credential_not_trusted alert', async () => {
    await waitFor(async () => {
      const alerts = (await (await fetch(`${prometheusUrl}/api/v1/alerts`)).json()) as {
        data: { alerts: { labels: { alertname: string }; state: string }[] };
      };
      return alerts.data.alerts.some(
        (a) => a.labels.alertname === 'AIBridgeCredentialNotTrusted' && a.state === 'firing',
      );
    }, 'the AIBridgeCredentialNotTrusted alert');
  });
});
