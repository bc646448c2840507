import { readFileSync } from 'node:fs';

/** What the generated files point at outside themselves; `npm run dashboards -- --help` lists the flags. */
export interface GeneratorOptions {
  /** Grafana's base URL, for the alerts' links to the dashboard with their labels filled in. */
  readonly grafanaUrl: string;
  /** The page holding the runbooks (docs/runbooks.md, one section per alert); each alert links to its anchor there. */
  readonly runbookUrl: string;
  /** A PromQL regular expression matching the scrape jobs (or services, behind a collector) of the gateways. */
  readonly gatewayJobs: string;
}

const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  name: string;
  version: string;
};

/** docs/runbooks.md as the published package serves it (the package ships docs/), at this version. */
export const PUBLISHED_RUNBOOKS_URL = `https://unpkg.com/${manifest.name}@${manifest.version}/docs/runbooks.md`;

// The local stack's Grafana, and the runbooks of the package these files came with: regenerate with
// your own (`--runbook-url`, e.g. where your team reads docs/runbooks.md) for a deployment.
export const DEFAULT_OPTIONS: GeneratorOptions = {
  grafanaUrl: 'http://localhost:3000',
  runbookUrl: PUBLISHED_RUNBOOKS_URL,
  gatewayJobs: '.+',
};

/** The dashboard's UID: alerts link to it, and provisioning keeps it across reloads. */
export const DASHBOARD_UID = 'aibridge-initiators';

/** The anchor GitHub and npm give a Markdown heading: lowercase, punctuation dropped, spaces as dashes. */
export function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}
