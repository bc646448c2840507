/** What the generated files point at outside themselves; `npm run dashboards -- --help` lists the flags. */
export interface GeneratorOptions {
  /** Grafana's base URL, for the alerts' links to the dashboard with their labels filled in. */
  readonly grafanaUrl: string;
  /** The page holding the runbooks (the README's "Runbooks" section); each alert links to its anchor there. */
  readonly runbookUrl: string;
  /** A PromQL regular expression matching the scrape jobs (or services, behind a collector) of the gateways. */
  readonly gatewayJobs: string;
}

// The local stack's Grafana, and the README as the package's registry page shows it: regenerate
// with your own for a deployment.
export const DEFAULT_OPTIONS: GeneratorOptions = {
  grafanaUrl: 'http://localhost:3000',
  runbookUrl: 'https://www.npmjs.com/package/aibridge-initiator-otel',
  gatewayJobs: '.+',
};

/** The dashboard's UID: alerts link to it, and provisioning keeps it across reloads. */
export const DASHBOARD_UID = 'aibridge-initiators';

/** The anchor GitHub and npm give a README heading: lowercase, punctuation dropped, spaces as dashes. */
export function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}
