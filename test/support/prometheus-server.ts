import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './gateway-process';
import { recordOutput } from './scan';

export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

/** A real Prometheus on loopback, with a configuration of the test's, and its HTTP API. */
export interface PrometheusServer {
  readonly url: string;
  /** An instant query, evaluated now or at `at` (Unix seconds). */
  query(
    expr: string,
    at?: number,
  ): Promise<{ status: string; data: { resultType: string; result: Sample[] }; error?: string }>;
  /** The sum of an instant query's samples (0 when there are none). */
  scalar(expr: string, at?: number): Promise<number>;
  stop(): Promise<void>;
}

/** Polls `check` until it holds, or fails naming `what`. */
export async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Starts `prometheus` with `config` (its YAML lines) and resolves once it is ready. */
export async function startPrometheus(config: readonly string[]): Promise<PrometheusServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'aibridge-prometheus-'));
  writeFileSync(join(dir, 'prometheus.yml'), config.join('\n'));
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.on('exit', () => recordOutput('prometheus', output));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/-/ready`)).ok, 'Prometheus to be ready');
  const query: PrometheusServer['query'] = async (expr, at) =>
    (await (
      await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}${at === undefined ? '' : `&time=${at}`}`)
    ).json()) as never;
  return {
    url,
    query,
    scalar: async (expr, at) =>
      (await query(expr, at)).data.result.reduce((sum, sample) => sum + Number(sample.value[1]), 0),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
