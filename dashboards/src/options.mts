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

/** The package's repository page, from the `repository` of package.json (`git+https://….git`). */
export const REPOSITORY_URL: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { repository: { url: string } }
).repository.url
  .replace(/^git\+/, '')
  .replace(/\.git$/, '');

// The local stack's Grafana, and docs/runbooks.md as the package's repository page shows it:
// regenerate with your own for a deployment.
export const DEFAULT_OPTIONS: GeneratorOptions = {
  grafanaUrl: 'http://localhost:3000',
  runbookUrl: `${REPOSITORY_URL}/blob/main/docs/runbooks.md`,
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
