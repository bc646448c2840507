import { DashboardLinkBuilder, DashboardLinkType, type DashboardLink } from '@grafana/grafana-foundation-sdk/dashboard';
import type * as cog from '@grafana/grafana-foundation-sdk/cog';

/**
 * A Grafana template expression, put into a URL as Grafana substitutes it when the link is
 * clicked: always with `:percentencode`, so that whatever the value holds stays one query value.
 */
export interface GrafanaValue {
  readonly grafana: string;
}

/** `${name:percentencode}`, or `${name.path:percentencode}` for a data link's `__field.labels.<label>`. */
export const variable = (name: string): GrafanaValue => ({ grafana: `\${${name}:percentencode}` });

const encode = (value: string | GrafanaValue) =>
  typeof value === 'string' ? encodeURIComponent(value) : value.grafana;

/**
 * The Jaeger UI's search for spans whose attributes hold these values, in the dashboard's time range.
 *
 * The search takes its attributes as a JSON object in `tags`. Literal parts are encoded here, once;
 * a variable's value is percent-encoded by Grafana and lands between JSON quotes as it is, so a
 * value with a double quote or a backslash cannot be searched this way (initiator IDs, client names
 * and reasons do not hold them). Grafana gives `__from` and `__to` in milliseconds; Jaeger wants
 * microseconds.
 */
export function jaegerSearch(tags: readonly (readonly [string, string | GrafanaValue])[]): string {
  const json = tags
    .map(([key, value]) => {
      const quotedValue =
        typeof value === 'string'
          ? encodeURIComponent(JSON.stringify(value))
          : `${encodeURIComponent('"')}${value.grafana}${encodeURIComponent('"')}`;
      return `${encodeURIComponent(`${JSON.stringify(key)}:`)}${quotedValue}`;
    })
    .join(encodeURIComponent(','));
  const query = [
    `service=${encode(variable('jaeger_service'))}`,
    `tags=${encodeURIComponent('{')}${json}${encodeURIComponent('}')}`,
    'start=${__from}000',
    'end=${__to}000',
    'lookback=custom',
    'limit=100',
  ];
  return `\${jaeger_url}/search?${query.join('&')}`;
}

/**
 * A link (dashboard, panel or data link) that opens in a new tab. The SDK's default places
 * dashboard links in the controls menu, where on-call would not see them: that default is left out.
 */
export function link(title: string, url: string): cog.Builder<DashboardLink> {
  const builder = new DashboardLinkBuilder(title).type(DashboardLinkType.Link).url(url).targetBlank(true);
  return {
    build() {
      const { placement: _placement, ...built } = builder.build();
      return built;
    },
  };
}
