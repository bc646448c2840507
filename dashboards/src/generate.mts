// `npm run dashboards`: writes the generated dashboard and rules; commit what it writes.
// `npm run dashboards -- --grafana-url <url> --runbook-url <url> --gateway-jobs <regex> --out <dir>`
// builds a deployment's own copies (into another directory, leaving the committed ones as they are).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildArtifacts } from './artifacts.mts';
import { DEFAULT_OPTIONS } from './options.mts';

const { values } = parseArgs({
  options: {
    'grafana-url': { type: 'string', default: DEFAULT_OPTIONS.grafanaUrl },
    'runbook-url': { type: 'string', default: DEFAULT_OPTIONS.runbookUrl },
    'gateway-jobs': { type: 'string', default: DEFAULT_OPTIONS.gatewayJobs },
    out: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write(
    [
      'npm run dashboards -- [options]',
      `  --grafana-url <url>    Grafana's base URL, for the alerts' dashboard links (${DEFAULT_OPTIONS.grafanaUrl})`,
      `  --runbook-url <url>    the page with the runbooks, one section per alert (${DEFAULT_OPTIONS.runbookUrl})`,
      `  --gateway-jobs <regex> the gateways' Prometheus jobs, for the absent-metrics alert (${DEFAULT_OPTIONS.gatewayJobs})`,
      '  --out <dir>            write there instead of over the committed files',
      '',
    ].join('\n'),
  );
  process.exit(0);
}

const root = values.out ?? join(import.meta.dirname, '..', '..');
const artifacts = buildArtifacts({
  grafanaUrl: values['grafana-url'].replace(/\/+$/, ''),
  runbookUrl: values['runbook-url'],
  gatewayJobs: values['gateway-jobs'],
});
for (const [path, content] of Object.entries(artifacts)) {
  const target = join(root, path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, content);
  process.stdout.write(`wrote ${target}\n`);
}
