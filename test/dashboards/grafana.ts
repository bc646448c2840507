// What Grafana and Jaeger do with the dashboard's links, modelled after their sources, so that the
// tests check what a click sends rather than what the JSON looks like:
// - Grafana's TemplateSrv replaces `$name`, `[[name:format]]` and `${name.path:format}` by one
//   regular expression, leaves a reference to an unknown variable as it is, and formats each value
//   by its format's rule (glob by default: the value itself);
// - the browser parses the link as a URL (WHATWG), which percent-encodes what a query may not hold;
// - Jaeger reads the query as application/x-www-form-urlencoded (`+` is a space) and unmarshals
//   `tags` as a JSON object of strings, `start` and `end` as microseconds.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/gateway-process';

const VARIABLE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}/g;

/** encodeURIComponent, plus the characters it leaves that Grafana's "percentencode" encodes too. */
const encodeURIComponentStrict = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const FORMATS: Record<string, (value: string) => string> = {
  glob: (value) => value,
  raw: (value) => value,
  text: (value) => value,
  percentencode: encodeURIComponentStrict,
};

/** The dashboard's state when a link is clicked: variable values, the time range, the clicked series. */
export interface Context {
  readonly variables: Readonly<Record<string, string>>;
  /** Milliseconds since the epoch, as Grafana's `__from` and `__to` give them. */
  readonly from: number;
  readonly to: number;
  /** For a data link: the labels of the series clicked (`__field.labels.<name>`). */
  readonly fieldLabels?: Readonly<Record<string, string>>;
}

/** Substitutes variables in a link's URL as Grafana does when the link is followed. */
export function interpolate(template: string, context: Context): string {
  return template.replace(
    VARIABLE,
    (
      match,
      plain?: string,
      bracketed?: string,
      bracketFormat?: string,
      braced?: string,
      path?: string,
      format?: string,
    ) => {
      const name = plain ?? bracketed ?? braced!;
      let value: string | undefined;
      if (name === '__field' && path?.startsWith('labels.'))
        value = context.fieldLabels?.[path.slice('labels.'.length)];
      else if (name === '__from' && path === undefined) value = String(context.from);
      else if (name === '__to' && path === undefined) value = String(context.to);
      else if (path === undefined) value = context.variables[name];
      if (value === undefined) return match;
      const formatName = bracketFormat ?? format ?? 'glob';
      const formatter = FORMATS[formatName];
      if (formatter === undefined) throw new Error(`${match}: format "${formatName}" is not modelled here`);
      return formatter(value);
    },
  );
}

/** What the Jaeger query service receives from a search URL its UI was opened with. */
export interface JaegerSearch {
  readonly path: string;
  readonly service: string | null;
  readonly tags: Record<string, string>;
  /** Microseconds since the epoch. */
  readonly start: number;
  readonly end: number;
  readonly raw: URLSearchParams;
}

export function jaegerReceives(href: string): JaegerSearch {
  const url = new URL(href);
  // Go's query parser refuses a '%' that does not start an escape; URLSearchParams would keep it.
  if (/%(?![0-9A-Fa-f]{2})/.test(url.search)) throw new Error(`${url.search}: a bare % Jaeger cannot parse`);
  const raw = url.searchParams;
  const tagsText = raw.get('tags');
  if (tagsText === null) throw new Error(`${href}: no tags`);
  const tags = JSON.parse(tagsText) as unknown;
  if (typeof tags !== 'object' || tags === null || Array.isArray(tags))
    throw new Error(`${tagsText}: not a JSON object`);
  for (const [key, value] of Object.entries(tags))
    if (typeof value !== 'string') throw new Error(`${key}: Jaeger takes string values only`);
  const micros = (name: string) => {
    const text = raw.get(name) ?? '';
    if (!/^\d+$/.test(text)) throw new Error(`${name}=${text}: not a whole number of microseconds`);
    return Number(text);
  };
  return {
    path: url.pathname,
    service: raw.get('service'),
    tags: tags as Record<string, string>,
    start: micros('start'),
    end: micros('end'),
    raw,
  };
}

export interface Link {
  readonly title: string;
  readonly url: string;
}

export interface Panel {
  readonly id?: number;
  readonly type: string;
  readonly title: string;
  readonly description?: string;
  readonly datasource?: { readonly type?: string; readonly uid?: string };
  readonly targets?: readonly Record<string, unknown>[];
  readonly links?: readonly Link[];
  readonly options?: Record<string, unknown>;
  readonly fieldConfig?: {
    readonly defaults?: Record<string, unknown> & { readonly links?: readonly Link[] };
    readonly overrides?: readonly { readonly properties: readonly { id: string; value: unknown }[] }[];
  };
  readonly transformations?: readonly { id: string }[];
}

export interface Variable {
  readonly name: string;
  readonly type: string;
  readonly query?: unknown;
  readonly definition?: string;
  readonly regex?: string;
  readonly refresh?: number;
  readonly multi?: boolean;
  readonly includeAll?: boolean;
  readonly allValue?: string;
  readonly datasource?: { readonly type?: string; readonly uid?: string };
}

export interface Dashboard {
  readonly uid: string;
  readonly editable: boolean;
  readonly graphTooltip: number;
  readonly panels: readonly Panel[];
  readonly templating: { readonly list: readonly Variable[] };
  readonly links: readonly Link[];
}

export const readDashboard = (): Dashboard =>
  JSON.parse(readFileSync(join(REPO_ROOT, 'dashboards/aibridge-initiators.json'), 'utf8')) as Dashboard;

/** Every link of the dashboard: its own, each panel's, and each panel's data links, with where it is. */
export function everyLink(dashboard: Dashboard): { where: string; link: Link; dataLink: boolean }[] {
  return [
    ...dashboard.links.map((link) => ({ where: 'dashboard', link, dataLink: false })),
    ...dashboard.panels.flatMap((panel) => [
      ...(panel.links ?? []).map((link) => ({ where: `panel "${panel.title}"`, link, dataLink: false })),
      ...(panel.fieldConfig?.defaults?.links ?? []).map((link) => ({
        where: `data link of "${panel.title}"`,
        link,
        dataLink: true,
      })),
    ]),
  ];
}
