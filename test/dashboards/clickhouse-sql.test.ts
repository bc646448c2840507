import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EVENT_INTERCEPTION } from 'aibridge-initiator-otel';
import { createTestHarness } from 'aibridge-initiator-otel/testing';
import { ALICE_TOKEN, CLAUDE_CODE_UA } from '../support/fixtures';
import { REPO_ROOT } from '../support/gateway-process';
import { gatewayUnderTest, post } from '../support/servers';

// ClickHouse cannot run here: the SQL of docs/at-scale.md is checked against what the collector's
// ClickHouse exporter writes and against a real interception record.
const page = readFileSync(join(REPO_ROOT, 'docs/at-scale.md'), 'utf8');
const heading = '\n## Tokens per user and per conversation\n';
const start = page.indexOf(heading);
if (start === -1) throw new Error(`docs/at-scale.md has no "${heading.trim()}" section`);
const end = page.indexOf('\n## ', start + 1);
const section = page.slice(start, end === -1 ? undefined : end);
const queries = [...section.matchAll(/```sql\n([\s\S]*?)```/g)].map(([, sql]) => sql!);

// The columns the exporter inserts into its default logs table (internal/sqltemplates/logs_insert.sql
// of the clickhouse exporter), and EventName, which its logs table has held since the exporter
// learnt event names (late 2025, before the pinned 0.159.0).
const LOGS_COLUMNS = [
  'Timestamp',
  'TraceId',
  'SpanId',
  'TraceFlags',
  'SeverityText',
  'SeverityNumber',
  'ServiceName',
  'Body',
  'ResourceSchemaUrl',
  'ResourceAttributes',
  'ScopeSchemaUrl',
  'ScopeName',
  'ScopeVersion',
  'ScopeAttributes',
  'LogAttributes',
  'EventName',
];

const harness = createTestHarness();
const gateway = gatewayUnderTest(harness);

describe('the SQL of tokens per user per day and per conversation', () => {
  it('is there: two queries', () => {
    expect(queries).toHaveLength(2);
    expect(queries[0]).toMatch(/GROUP BY day, initiator/);
    expect(queries[1]).toMatch(/GROUP BY conversation/);
  });

  it('reads the table the collector writes, and only the interception records in it', () => {
    const collector = parse(readFileSync(join(REPO_ROOT, 'dashboards/otel-collector/config.yaml'), 'utf8')) as {
      exporters: Record<string, { database?: string; logs_table_name?: string }>;
    };
    const clickhouse = collector.exporters.clickhouse!;
    for (const sql of queries) {
      expect(sql).toContain(`FROM ${clickhouse.database}.${clickhouse.logs_table_name}\n`);
      expect(sql).toContain(`WHERE EventName = '${EVENT_INTERCEPTION}'`);
      // Every column named (ClickHouse's own functions start lowercase; the exporter's columns do not).
      const columns = new Set([...sql.matchAll(/\b([A-Z][A-Za-z]+)\b/g)].map(([, name]) => name!));
      for (const keyword of [
        'SELECT',
        'FROM',
        'WHERE',
        'AND',
        'GROUP',
        'BY',
        'ORDER',
        'DESC',
        'LIMIT',
        'INTERVAL',
        'DAY',
        'AS',
      ])
        columns.delete(keyword);
      expect([...columns].filter((column) => !LOGS_COLUMNS.includes(column))).toEqual([]);
    }
  });

  it('sums the attributes a real interception record carries, whose counts are whole numbers', async () => {
    const body = {
      model: 'claude-sonnet-4-6',
      max_tokens: 64,
      system: [{ type: 'text', text: 'Keep answers short.', cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: 'Why does the parser test fail?' }],
    };
    await post(
      `${gateway.url}/v1/messages`,
      {
        'user-agent': CLAUDE_CODE_UA,
        authorization: `Bearer ${ALICE_TOKEN}`,
        'x-claude-code-session-id': 'f18074b0-2472-409c-987d-839f6b7bf0ee',
      },
      body,
    );
    await harness.settled();
    const [record] = harness.interceptionRecords();
    expect(record?.eventName).toBe(EVENT_INTERCEPTION);
    const attributes = record!.attributes;
    const keys = new Set(
      queries.flatMap((sql) => [...sql.matchAll(/LogAttributes\['([^']+)'\]/g)].map(([, key]) => key!)),
    );
    expect(keys.size).toBeGreaterThanOrEqual(7);
    for (const key of keys) {
      expect(attributes, key).toHaveProperty([key]);
      // The exporter writes attribute values as strings; toUInt64OrZero reads whole numbers back.
      if (key.startsWith('gen_ai.usage.')) expect(Number.isSafeInteger(attributes[key]), key).toBe(true);
    }
  });
});
