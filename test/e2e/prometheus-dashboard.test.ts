import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PROMETHEUS_METRIC_NAMES } from 'aibridge-initiator-otel';
import { METRIC_LABELS } from '../../dashboards/src/queries.mts';
import { SERVICE_ACCOUNT } from '../../examples/demo/callers';
import { CALLS, send, tokenTypesOf, usageFor } from '../../examples/demo/traffic';
import { buildDemo, DEMO_MAIN } from '../support/demo-build';
import { freePort, REPO_ROOT } from '../support/gateway-process';
import { prometheusAvailable } from '../support/prometheus';
import { startPrometheus, waitFor, type PrometheusServer, type Sample } from '../support/prometheus-server';
import { recordOutput, registerSecret } from '../support/scan';

// Owner IDs the demo sends that the rules accept: canonical UUIDv4.
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

// Prometheus scrapes the demo's one endpoint as two targets, two replicas of one job: every
// counter then exists twice, as it would for two gateways that served the same traffic.
const JOB = 'aibridge-demo-gateway';
const REPLICAS = ['replica-a', 'replica-b'] as const;
const ONE_REPLICA = `{instance="${REPLICAS[0]}"}`;

interface Panel {
  type: string;
  title: string;
  datasource?: { type?: string };
  targets?: { expr: string }[];
}
interface Variable {
  name: string;
  type: string;
  query?: string;
  regex?: string;
}
interface Rule {
  alert: string;
  expr: string;
}

const available = prometheusAvailable();
const dashboard = JSON.parse(readFileSync(join(REPO_ROOT, 'dashboards/aibridge-initiators.json'), 'utf8')) as {
  panels: Panel[];
  templating: { list: Variable[] };
};
const rules = (
  parse(readFileSync(join(REPO_ROOT, 'dashboards/prometheus/alerts.yml'), 'utf8')) as { groups: { rules: Rule[] }[] }
).groups.flatMap((group) => group.rules);
const queries = dashboard.panels
  .filter((panel) => panel.datasource?.type === 'prometheus')
  .flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })));

// What Grafana would put in: "All" for the variables (or one replica), a rate window that holds a
// good many 1 s scrapes, and a range that holds the whole run.
const substitute = (expr: string, instance = '.*') =>
  expr
    .replaceAll('$service', '.*')
    .replaceAll('$instance', instance)
    .replaceAll('$client', '.*')
    .replaceAll('$__rate_interval', '2m')
    .replaceAll('$__range', '10m');

let prometheus: PrometheusServer | undefined;
let demo: ChildProcess | undefined;
let gatewayUrl = '';
let credentialsFile = '';

const query = (expr: string) => prometheus!.query(expr);
const scalar = (expr: string) => prometheus!.scalar(expr);

async function firingAlerts(): Promise<{ labels: Record<string, string>; state: string }[]> {
  const alerts = (await (await fetch(`${prometheus!.url}/api/v1/alerts`)).json()) as {
    data: { alerts: { labels: Record<string, string>; state: string }[] };
  };
  return alerts.data.alerts;
}

function output(child: ChildProcess): () => string {
  let text = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  child.on('exit', () => recordOutput('process', text));
  return () => text;
}

/** Both replicas have scraped `count` interceptions. */
const bothScraped = (count: number) => async () => {
  for (const instance of REPLICAS)
    if ((await scalar(`sum(aibridge_interceptions_total{instance="${instance}"})`)) !== count) return false;
  return true;
};

describe.runIf(available)('the dashboard and the rules against a real Prometheus scraping the demo gateway', () => {
  beforeAll(async () => {
    const metricsPort = await freePort();
    const target = `127.0.0.1:${metricsPort}`;
    prometheus = await startPrometheus([
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      `rule_files: ['${join(REPO_ROOT, 'dashboards/prometheus/alerts.yml')}']`,
      'scrape_configs:',
      `  - job_name: ${JOB}`,
      '    static_configs:',
      ...REPLICAS.map((replica) => `      - { targets: ['${target}'], labels: { instance: ${replica} } }`),
    ]);

    buildDemo();
    demo = spawn(process.execPath, [DEMO_MAIN, '--port', '0', '--metrics-port', String(metricsPort)], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const demoOutput = output(demo);
    await waitFor(() => Promise.resolve(demoOutput().includes('New interceptions are printed')), 'the demo traffic');
    gatewayUrl = /Gateway: (http:\/\/\S+)/.exec(demoOutput())![1]!;
    credentialsFile = /AIBRIDGE_CREDENTIALS_FILE=(\S+)/.exec(demoOutput())![1]!;
    await waitFor(bothScraped(CALLS.length), 'the first round in Prometheus');
    // A second round, so that every rate has an increase between two scrapes to see.
    for (const call of CALLS) registerSecret(await send(gatewayUrl, call));
    await waitFor(bothScraped(2 * CALLS.length), 'the second round in Prometheus');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }, 120_000);

  afterAll(async () => {
    if (demo !== undefined && demo.exitCode === null) {
      const exited = new Promise((resolve) => demo!.once('exit', resolve));
      demo.kill('SIGTERM');
      await exited;
    }
    await prometheus?.stop();
  });

  it('finds the dashboard’s queries', () => {
    expect(queries.length).toBeGreaterThanOrEqual(20);
  });

  it.each(queries.map((q) => [q.panel, q.expr] as const))('panel "%s": %s parses and returns data', async (_, expr) => {
    for (const instance of ['.*', REPLICAS[0]]) {
      const answer = await query(substitute(expr, instance));
      expect(answer.error).toBeUndefined();
      expect(answer.status).toBe('success');
      expect(answer.data.resultType).toBe('vector');
      expect(answer.data.result.length).toBeGreaterThan(0);
      for (const sample of answer.data.result) expect(Number.isFinite(Number(sample.value[1]))).toBe(true);
    }
  });

  // Sums over replicas are twice one replica's; shares, quantiles and per-instance maxima are not.
  it.each(queries.map((q) => [q.panel, q.expr] as const))(
    'panel "%s" adds the replicas up correctly: %s',
    async (_, expr) => {
      const keyOf = (sample: Sample) => JSON.stringify(Object.entries(sample.metric).sort());
      const one = new Map(
        (await query(substitute(expr, REPLICAS[0]))).data.result.map((s) => [keyOf(s), Number(s.value[1])]),
      );
      const all = new Map((await query(substitute(expr))).data.result.map((s) => [keyOf(s), Number(s.value[1])]));
      const perInstance = expr.includes('max by (instance)');
      const ratio = expr.includes('histogram_quantile') || expr.includes(') / ') ? 1 : 2;
      if (perInstance) {
        // One series per replica, each its own.
        expect(all.size).toBe(REPLICAS.length);
        expect([...all.values()]).toEqual(REPLICAS.map(() => [...one.values()][0]));
        return;
      }
      expect([...all.keys()].sort()).toEqual([...one.keys()].sort());
      for (const [key, value] of one) {
        // The two targets are scraped at slightly different instants: rates differ by a little.
        expect(Math.abs(all.get(key)! - ratio * value), key).toBeLessThanOrEqual(0.1 * ratio * Math.abs(value) + 1e-9);
      }
    },
  );

  it('carries the labels the dashboard expects of each metric, and no other', async () => {
    for (const [metric, labels] of Object.entries(METRIC_LABELS)) {
      const answer = await query(`${metric}${ONE_REPLICA}`);
      expect(answer.data.result.length, metric).toBeGreaterThan(0);
      const seen = new Set(
        answer.data.result.flatMap((s) =>
          Object.keys(s.metric).filter(
            (l) => !['__name__', 'job', 'instance'].includes(l) && !l.startsWith('otel_scope_'),
          ),
        ),
      );
      expect([...seen].sort(), metric).toEqual([...labels].sort());
    }
  });

  it('lists the service, replicas, clients and traced service in its variables', async () => {
    const variables = Object.fromEntries(dashboard.templating.list.map((v) => [v.name, v]));
    const labelValues = async (definition: string) => {
      const [, selector, label] = /^label_values\((.+), (\w+)\)$/.exec(definition)!;
      const answer = await query(`group by (${label}) (${substitute(selector!)})`);
      return answer.data.result.map((s) => s.metric[label!]).sort();
    };
    expect(await labelValues(variables.service!.query!)).toEqual([JOB]);
    expect(await labelValues(variables.instance!.query!)).toEqual([...REPLICAS]);
    expect(await labelValues(variables.client!.query!)).toEqual(['Claude Code', 'Codex', 'Coder Agents', 'Zed'].sort());
    // query_result(...) with a regular expression over each series' text, as Grafana applies it.
    const traced = variables.jaeger_service!;
    const inner = /^query_result\((.+)\)$/.exec(traced.query!)![1]!;
    const pattern = new RegExp(/^\/(.+)\/$/.exec(traced.regex!)![1]!);
    const answer = await query(substitute(inner));
    expect(answer.status).toBe('success');
    const names = answer.data.result
      .map(
        (s) =>
          `{${Object.entries(s.metric)
            .map(([k, v]) => `${k}="${v}"`)
            .join(', ')}}`,
      )
      .map((text) => pattern.exec(text)?.[1])
      .filter((name) => name !== undefined);
    expect([...new Set(names)]).toEqual([JOB]);
  });

  // What each panel must show for the demo's traffic: the label values of its non-zero series.
  const shows: Record<string, Record<string, string[]>> = {
    'Interceptions by status class': { status_class: ['2xx'] },
    'Interceptions by override': { initiator_override: ['false', 'true'] },
    'Interceptions by source': { initiator_source: ['credential', 'owner_header'] },
    'Interceptions by client and provider': {
      aibridge_client: ['Claude Code', 'Codex', 'Coder Agents', 'Zed'],
      gen_ai_provider_name: ['anthropic', 'openai'],
    },
    'Owner headers refused per 5 minutes, by reason and client': {
      reason: ['client_not_allowed', 'credential_not_trusted', 'invalid_format'],
      aibridge_client: ['Claude Code', 'Coder Agents'],
    },
    // The spoofer's key is one the demo gateway serves.
    'Untrusted delegations per 5 minutes, by authentication and client': {
      initiator_authentication: ['accepted'],
      aibridge_client: ['Coder Agents'],
    },
    'Resolver errors per 5 minutes (all clients)': { resolver: ['jwt'], reason: ['expired'] },
    'Interception duration p50 / p95 (all clients)': { initiator_override: ['false', 'true'] },
    'Tokens by initiator source': { initiator_source: ['credential', 'owner_header'] },
    'Tokens by type': { gen_ai_token_type: ['cache_creation', 'cache_read', 'input', 'output'] },
    'Tokens by client': { aibridge_client: ['Claude Code', 'Codex', 'Coder Agents'] },
    'Tokens by model': {
      gen_ai_response_model: [
        ...new Set(CALLS.map((call) => usageFor(call)?.model).filter((model) => model !== undefined)),
      ],
    },
    'Usage unavailable, share of successful interceptions, by reason': { reason: ['missing'] },
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

  it('counts what the traffic sent: interceptions, overrides, rejections by reason and authentication', async () => {
    const rounds = 2;
    const count = (metric: string, matchers = '') =>
      scalar(`sum(${metric}{${[matchers, `instance="${REPLICAS[0]}"`].filter(Boolean).join(', ')}})`);
    // The demo's calls: Coder Agents for dana (2), eli (2) and fay (1) with valid owner headers.
    expect(await count('aibridge_interceptions_total')).toBe(rounds * CALLS.length);
    expect(await count('aibridge_interceptions_total', 'initiator_override="true"')).toBe(rounds * 5);
    expect(await count('aibridge_initiator_override_rejections_total', 'reason="invalid_format"')).toBe(rounds * 2);
    expect(
      await count(
        'aibridge_initiator_override_rejections_total',
        'reason="client_not_allowed", aibridge_client="Claude Code"',
      ),
    ).toBe(rounds * 1);
    expect(
      await count(
        'aibridge_initiator_override_rejections_total',
        'reason="credential_not_trusted", initiator_authentication="accepted"',
      ),
    ).toBe(rounds * 1);
    expect(
      await count(
        'aibridge_initiator_override_rejections_total',
        'reason="credential_not_trusted", initiator_authentication!="accepted"',
      ),
    ).toBe(0);
    expect(await count('aibridge_initiator_resolver_errors_total', 'resolver="jwt", reason="expired"')).toBe(
      rounds * 1,
    );
    const share = await scalar(
      substitute(queries.find((q) => q.panel === 'Share through the owner header')!.expr, REPLICAS[0]),
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
      expect(
        await scalar(`sum(aibridge_tokens_total{gen_ai_token_type="${type}", instance="${REPLICAS[0]}"})`),
        type,
      ).toBe(count);
    }
    const ownerTotal = Object.values(owner).reduce((a, b) => a + b, 0);
    expect(await scalar(`sum(aibridge_tokens_total{initiator_source="owner_header", instance="${REPLICAS[0]}"})`)).toBe(
      ownerTotal,
    );
    expect(await scalar(`sum(aibridge_usage_unavailable_total{reason="missing", instance="${REPLICAS[0]}"})`)).toBe(
      rounds * CALLS.filter((call) => usageFor(call) === undefined).length,
    );
    expect(await scalar('sum(aibridge_interceptions_active)')).toBe(0);
    const share = await scalar(
      substitute(queries.find((q) => q.panel === 'Share of tokens through the owner header')!.expr, REPLICAS[0]),
    );
    expect(share).toBeGreaterThan(0);
    expect(share).toBeLessThan(1);
  });

  it.each(rules.map((rule) => [rule.alert, rule.expr] as const))('alert %s: %s evaluates', async (_, expr) => {
    const answer = await query(expr);
    expect(answer.error).toBeUndefined();
    expect(answer.status).toBe('success');
  });

  it('pages for the spoofer’s working key, and raises nothing the demo does not cause', async () => {
    await waitFor(
      async () =>
        (await firingAlerts()).some(
          (a) => a.labels.alertname === 'AIBridgeAuthenticatedCredentialNotTrusted' && a.state === 'firing',
        ),
      'the AIBridgeAuthenticatedCredentialNotTrusted alert',
    );
    const alerts = await firingAlerts();
    const authenticated = alerts.filter((a) => a.labels.alertname === 'AIBridgeAuthenticatedCredentialNotTrusted');
    // One alert for the job and client, the two replicas summed.
    expect(authenticated.map((a) => a.labels)).toEqual([
      {
        alertname: 'AIBridgeAuthenticatedCredentialNotTrusted',
        severity: 'critical',
        job: JOB,
        aibridge_client: 'Coder Agents',
      },
    ]);
    const names = new Set(alerts.map((a) => a.labels.alertname));
    for (const quiet of [
      'AIBridgeCredentialNotTrusted',
      'AIBridgeOwnerHeaderRejectionBurst',
      'AIBridgeMetricsAbsent',
      'AIBridgeResolverUnavailable',
      'AIBridgeCredentialsFileReloadFailed',
    ])
      expect(names.has(quiet), quiet).toBe(false);
  });

  it('a credentials file broken on disk shows on both replicas, for the reload alert, until a good one loads', async () => {
    const rule = rules.find((r) => r.alert === 'AIBridgeCredentialsFileReloadFailed')!;
    const good = readFileSync(credentialsFile, 'utf8');
    const replace = (content: string) => {
      writeFileSync(`${credentialsFile}.next`, content);
      renameSync(`${credentialsFile}.next`, credentialsFile);
    };
    expect(await scalar(`sum(${PROMETHEUS_METRIC_NAMES.credentialsFileReloadFailed})`)).toBe(0);
    replace('{ "credentials": [ { "sha256": "not-a-hash", "initiator": "x" } ] }');
    try {
      await waitFor(async () => (await query(rule.expr)).data.result.length === REPLICAS.length, 'the reload failure');
      const failing = (await query(rule.expr)).data.result.map((s) => s.metric);
      expect(failing.map((labels) => labels.instance).sort()).toEqual([...REPLICAS]);
      expect(failing.every((labels) => labels.job === JOB)).toBe(true);
    } finally {
      replace(good);
    }
    await waitFor(async () => (await query(rule.expr)).data.result.length === 0, 'the reload to succeed again');
  });
});
