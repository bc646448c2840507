import {
  ATTR_AIBRIDGE_CLIENT,
  ATTR_AIBRIDGE_USAGE_UNAVAILABLE,
  ATTR_ENDUSER_ID,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_INITIATOR_OVERRIDE,
  ATTR_INITIATOR_OVERRIDE_REJECTED_REASON,
  ATTR_INITIATOR_SOURCE,
  PROMETHEUS_METRIC_NAMES,
} from 'aibridge-initiator-otel';
import type { CollectedSpan } from './collector';
import { sumOf, type Sample } from './prometheus-text';
import type { Usage } from './provider-responses';

/** Token figures in the telemetry contract's terms: `input` counts the cached input too. */
export interface TokenTotals {
  readonly input: number;
  readonly cacheRead: number;
  readonly cacheCreation: number;
  readonly output: number;
}

interface Consumption {
  count: number;
  inputTokens: number;
  outputTokens: number;
}

/** What the exported telemetry says about the interceptions, ready to print. */
export interface Summary {
  readonly byInitiator: readonly ({
    initiator: string;
    source: string;
    client: string;
    override: boolean;
  } & Consumption)[];
  readonly byConversation: readonly ({ conversation: string; client: string; initiator: string } & Consumption)[];
  readonly rejections: readonly { reason: string; client: string; authentication: string; count: number }[];
  readonly resolverErrors: readonly { resolver: string; reason: string; count: number }[];
  /** `aibridge_tokens_total` by `initiator_source`, in its partition: `input` here is the uncached input. */
  readonly tokensBySource: readonly {
    source: string;
    input: number;
    cacheRead: number;
    cacheCreation: number;
    output: number;
  }[];
  /** Successful interceptions whose usage could not be read, as the spans and the metric count them. */
  readonly usageUnavailable: readonly {
    reason: string;
    client: string;
    provider: string;
    spans: number;
    metric: number;
  }[];
  readonly totals: { readonly interceptions: number; readonly overrides: number };
  /** The tokens as the spans and as Prometheus count them, and as the mock provider reported them when it answered every call. */
  readonly tokens: {
    readonly spans: TokenTotals;
    readonly prometheus: TokenTotals;
    readonly mock: (TokenTotals & { readonly calls: number; readonly withUsage: number }) | undefined;
  };
  readonly traces: readonly {
    traceId: string;
    route: string;
    client: string;
    initiator: string;
    override: boolean;
    rejected: string;
    durationMs: number;
  }[];
}

const text = (span: CollectedSpan, key: string, absent = '') => String(span.attributes[key] ?? absent);
const count = (span: CollectedSpan, key: string) => {
  const value = span.attributes[key];
  return typeof value === 'number' ? value : 0;
};

/** Adds a span to the group of `key`, creating it from `row` the first time. */
function tally<Row extends object>(groups: Map<string, Row & Consumption>, row: Row, span: CollectedSpan): void {
  const key = JSON.stringify(row);
  const group = groups.get(key) ?? { ...row, count: 0, inputTokens: 0, outputTokens: 0 };
  group.count += 1;
  group.inputTokens += count(span, ATTR_GEN_AI_USAGE_INPUT_TOKENS);
  group.outputTokens += count(span, ATTR_GEN_AI_USAGE_OUTPUT_TOKENS);
  groups.set(key, group);
}

/**
 * Builds the summary from interception server spans (traces) and a Prometheus scrape (metrics);
 * `mockUsage`, one entry per call sent, is what the mock provider reported (undefined where it
 * reported none), when the mock answered them all.
 */
export function summarise(
  interceptions: readonly CollectedSpan[],
  samples: readonly Sample[],
  mockUsage?: readonly (Usage | undefined)[],
): Summary {
  const byInitiator = new Map<
    string,
    { initiator: string; source: string; client: string; override: boolean } & Consumption
  >();
  const byConversation = new Map<string, { conversation: string; client: string; initiator: string } & Consumption>();
  for (const span of interceptions) {
    const initiator = text(span, ATTR_ENDUSER_ID, '(none)');
    const client = text(span, ATTR_AIBRIDGE_CLIENT);
    tally(
      byInitiator,
      {
        initiator,
        source: text(span, ATTR_INITIATOR_SOURCE),
        client,
        override: span.attributes[ATTR_INITIATOR_OVERRIDE] === true,
      },
      span,
    );
    const conversation = span.attributes[ATTR_GEN_AI_CONVERSATION_ID];
    if (conversation !== undefined)
      tally(byConversation, { conversation: String(conversation), client, initiator }, span);
  }
  const rejections = samples
    // Every reason and client is reported from the start at zero; the summary shows what happened.
    .filter((s) => s.name === PROMETHEUS_METRIC_NAMES.overrideRejections && s.value > 0)
    .map((s) => ({
      reason: s.labels.reason ?? '',
      client: s.labels.aibridge_client ?? '',
      authentication: s.labels.initiator_authentication ?? '',
      count: s.value,
    }))
    .sort(
      (a, b) =>
        a.reason.localeCompare(b.reason) ||
        a.client.localeCompare(b.client) ||
        a.authentication.localeCompare(b.authentication),
    );
  const resolverErrors = samples
    .filter((s) => s.name === PROMETHEUS_METRIC_NAMES.resolverErrors)
    .map((s) => ({ resolver: s.labels.resolver ?? '', reason: s.labels.reason ?? '', count: s.value }));
  return {
    resolverErrors,
    byInitiator: [...byInitiator.values()].sort(
      (a, b) =>
        Number(b.override) - Number(a.override) ||
        a.client.localeCompare(b.client) ||
        a.initiator.localeCompare(b.initiator),
    ),
    byConversation: [...byConversation.values()],
    rejections,
    tokensBySource: tokensBySource(samples),
    usageUnavailable: usageUnavailable(interceptions, samples),
    totals: {
      interceptions: sumOf(samples, PROMETHEUS_METRIC_NAMES.interceptions),
      overrides: sumOf(samples, PROMETHEUS_METRIC_NAMES.interceptions, { initiator_override: 'true' }),
    },
    tokens: {
      spans: spanTokens(interceptions),
      prometheus: prometheusTokens(samples),
      mock: mockUsage === undefined ? undefined : mockTokens(mockUsage),
    },
    traces: interceptions.map((span) => ({
      traceId: span.traceId,
      route: String(span.attributes['url.path'] ?? span.name),
      client: text(span, ATTR_AIBRIDGE_CLIENT),
      initiator: text(span, ATTR_ENDUSER_ID, '(none)'),
      override: span.attributes[ATTR_INITIATOR_OVERRIDE] === true,
      rejected: text(span, ATTR_INITIATOR_OVERRIDE_REJECTED_REASON),
      durationMs: span.durationMs,
    })),
  };
}

function tokensBySource(samples: readonly Sample[]): Summary['tokensBySource'] {
  const sources = [
    ...new Set(
      samples.filter((s) => s.name === PROMETHEUS_METRIC_NAMES.tokens).map((s) => s.labels.initiator_source ?? ''),
    ),
  ].sort();
  const of = (source: string, type: string) =>
    sumOf(samples, PROMETHEUS_METRIC_NAMES.tokens, { initiator_source: source, gen_ai_token_type: type });
  return sources.map((source) => ({
    source,
    input: of(source, 'input'),
    cacheRead: of(source, 'cache_read'),
    cacheCreation: of(source, 'cache_creation'),
    output: of(source, 'output'),
  }));
}

function usageUnavailable(
  interceptions: readonly CollectedSpan[],
  samples: readonly Sample[],
): Summary['usageUnavailable'] {
  const rows = new Map<string, { reason: string; client: string; provider: string; spans: number; metric: number }>();
  const row = (reason: string, client: string, provider: string) => {
    const key = JSON.stringify([reason, client, provider]);
    const found = rows.get(key) ?? { reason, client, provider, spans: 0, metric: 0 };
    rows.set(key, found);
    return found;
  };
  for (const span of interceptions) {
    const reason = span.attributes[ATTR_AIBRIDGE_USAGE_UNAVAILABLE];
    if (reason !== undefined)
      row(String(reason), text(span, ATTR_AIBRIDGE_CLIENT), text(span, ATTR_GEN_AI_PROVIDER_NAME)).spans += 1;
  }
  for (const s of samples.filter((s) => s.name === PROMETHEUS_METRIC_NAMES.usageUnavailable && s.value > 0)) {
    row(s.labels.reason ?? '', s.labels.aibridge_client ?? '', s.labels.gen_ai_provider_name ?? '').metric += s.value;
  }
  return [...rows.values()].sort(
    (a, b) =>
      a.reason.localeCompare(b.reason) || a.client.localeCompare(b.client) || a.provider.localeCompare(b.provider),
  );
}

function spanTokens(interceptions: readonly CollectedSpan[]): TokenTotals {
  const sum = (key: string) => interceptions.reduce((total, span) => total + count(span, key), 0);
  return {
    input: sum(ATTR_GEN_AI_USAGE_INPUT_TOKENS),
    cacheRead: sum(ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS),
    cacheCreation: sum(ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS),
    output: sum(ATTR_GEN_AI_USAGE_OUTPUT_TOKENS),
  };
}

// The metric partitions the input: the contract's input is its uncached input plus both cache figures.
function prometheusTokens(samples: readonly Sample[]): TokenTotals {
  const of = (type: string) => sumOf(samples, PROMETHEUS_METRIC_NAMES.tokens, { gen_ai_token_type: type });
  const cacheRead = of('cache_read');
  const cacheCreation = of('cache_creation');
  return { input: of('input') + cacheRead + cacheCreation, cacheRead, cacheCreation, output: of('output') };
}

function mockTokens(usages: readonly (Usage | undefined)[]): TokenTotals & { calls: number; withUsage: number } {
  const reported = usages.filter((usage) => usage !== undefined);
  const sum = (figure: (usage: Usage) => number) => reported.reduce((total, usage) => total + figure(usage), 0);
  return {
    calls: usages.length,
    withUsage: reported.length,
    input: sum((u) => u.inputTokens),
    cacheRead: sum((u) => u.cacheReadInputTokens),
    cacheCreation: sum((u) => u.cacheCreationInputTokens ?? 0),
    output: sum((u) => u.outputTokens),
  };
}

const sameTokens = (a: TokenTotals, b: TokenTotals) =>
  a.input === b.input && a.cacheRead === b.cacheRead && a.cacheCreation === b.cacheCreation && a.output === b.output;

/** Thousands separated: token counts run into the tens of thousands. */
const n = (value: number) => value.toLocaleString('en-US');
const describeTokens = (t: TokenTotals) =>
  `${n(t.input)} input (${n(t.cacheRead)} read from cache, ${n(t.cacheCreation)} written to it), ${n(t.output)} output`;

/** A Markdown-style table, numbers right-aligned: readable in a terminal, and pasteable. */
export function table(header: readonly string[], rows: readonly (readonly (string | number | boolean)[])[]): string {
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((row) => typeof row[i] === 'number'));
  const cells = [header, ...rows.map((row) => row.map((cell) => (typeof cell === 'number' ? n(cell) : String(cell))))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const pad = (cell: string, i: number) => (numeric[i] ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0));
  const line = (row: readonly string[]) => `| ${row.map(pad).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (numeric[i] ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(cells[0]!), rule, ...cells.slice(1).map(line)].join('\n');
}

function agreement({ spans, prometheus, mock }: Summary['tokens']): string[] {
  const metric = PROMETHEUS_METRIC_NAMES.tokens;
  const consistent = sameTokens(spans, prometheus);
  const counted = consistent ? '' : ` Spans: ${describeTokens(spans)}. Prometheus: ${describeTokens(prometheus)}.`;
  if (mock === undefined) {
    return [
      `Tokens: real providers answered, so there is no mock report to compare with. The spans and ${metric} agree with each other: ${consistent ? 'yes' : 'NO'}.${counted}`,
    ];
  }
  const agree = consistent && sameTokens(mock, spans);
  return [
    `Tokens the mock provider reported for the ${n(mock.withUsage)} of ${n(mock.calls)} calls it gave usage for: ${describeTokens(mock)}.`,
    `The spans and ${metric} agree with it: ${agree ? 'yes' : 'NO'}.${agree ? '' : ` Spans: ${describeTokens(spans)}. Prometheus: ${describeTokens(prometheus)}.`}`,
  ];
}

export function renderSummary(summary: Summary): string {
  const share =
    summary.totals.interceptions === 0
      ? 0
      : Math.round((100 * summary.totals.overrides) / summary.totals.interceptions);
  const sourceTotal = summary.tokensBySource.reduce(
    (all, r) => ({
      input: all.input + r.input,
      cacheRead: all.cacheRead + r.cacheRead,
      cacheCreation: all.cacheCreation + r.cacheCreation,
      output: all.output + r.output,
    }),
    { input: 0, cacheRead: 0, cacheCreation: 0, output: 0 },
  );
  const sourceRow = (source: string, r: Omit<Summary['tokensBySource'][number], 'source'>) => [
    source,
    r.input,
    r.cacheRead,
    r.cacheCreation,
    r.output,
    r.input + r.cacheRead + r.cacheCreation + r.output,
  ];
  return [
    `Interceptions and tokens by initiator, read back from the exported spans (${summary.traces.length} spans; input counts cached tokens too):`,
    '',
    table(
      ['initiator (enduser.id)', 'source', 'client', 'override', 'interceptions', 'input tokens', 'output tokens'],
      summary.byInitiator.map((r) => [
        r.initiator,
        r.source,
        r.client,
        r.override,
        r.count,
        r.inputTokens,
        r.outputTokens,
      ]),
    ),
    '',
    `Conversations (${ATTR_GEN_AI_CONVERSATION_ID}, from each client's session header):`,
    '',
    summary.byConversation.length === 0
      ? '(none)'
      : table(
          ['conversation', 'client', 'initiator (enduser.id)', 'interceptions', 'input tokens', 'output tokens'],
          summary.byConversation.map((r) => [
            r.conversation,
            r.client,
            r.initiator,
            r.count,
            r.inputTokens,
            r.outputTokens,
          ]),
        ),
    '',
    `Owner-header rejections, scraped from the Prometheus endpoint (${PROMETHEUS_METRIC_NAMES.overrideRejections}):`,
    '',
    summary.rejections.length === 0
      ? '(none)'
      : table(
          ['reason', 'client', 'credential (initiator.authentication)', 'rejections'],
          summary.rejections.map((r) => [r.reason, r.client, r.authentication, r.count]),
        ),
    '',
    `Credentials a resolver could not vouch for (${PROMETHEUS_METRIC_NAMES.resolverErrors}):`,
    '',
    summary.resolverErrors.length === 0
      ? '(none)'
      : table(
          ['resolver', 'reason', 'count'],
          summary.resolverErrors.map((e) => [e.resolver, e.reason, e.count]),
        ),
    '',
    `Tokens by initiator source, scraped from the Prometheus endpoint (${PROMETHEUS_METRIC_NAMES.tokens}, by gen_ai_token_type):`,
    '',
    summary.tokensBySource.length === 0
      ? '(none)'
      : table(
          ['initiator_source', 'input (uncached)', 'cache_read', 'cache_creation', 'output', 'total'],
          [...summary.tokensBySource.map((r) => sourceRow(r.source, r)), sourceRow('all', sourceTotal)],
        ),
    '',
    `Interceptions whose usage could not be read (${ATTR_AIBRIDGE_USAGE_UNAVAILABLE} on the span; ${PROMETHEUS_METRIC_NAMES.usageUnavailable}):`,
    '',
    summary.usageUnavailable.length === 0
      ? '(none)'
      : table(
          ['reason', 'client', 'provider', 'spans', 'Prometheus'],
          summary.usageUnavailable.map((r) => [r.reason, r.client, r.provider, r.spans, r.metric]),
        ),
    '',
    `Prometheus totals: ${summary.totals.interceptions} interceptions, ${summary.totals.overrides} attributed through the owner header (${share}%).`,
    ...agreement(summary.tokens),
    '',
    'Trace IDs:',
    '',
    table(
      ['trace id', 'route', 'client', 'enduser.id', 'override', 'rejected', 'ms'],
      summary.traces.map((t) => [
        t.traceId,
        t.route,
        t.client,
        t.initiator,
        t.override,
        t.rejected,
        Math.round(t.durationMs),
      ]),
    ),
  ].join('\n');
}
