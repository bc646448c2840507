// The docs' tables of variables, attributes and metrics say what the code does: each name the code
// defines is documented, and each documented name is one the code defines.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as semconv from '../../src/otel/semconv';
import { REPO_ROOT } from '../support/gateway-process';

const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');
const readme = read('README.md');
const configuration = read('docs/configuration.md');
const telemetry = read('docs/telemetry.md');

/** The table rows of a page's section (from its `## heading` to the next one) that name something in their first cell. */
function rows(page: string, heading: string): string[][] {
  const start = page.indexOf(`\n## ${heading}\n`);
  if (start === -1) throw new Error(`no "## ${heading}" section`);
  const end = page.indexOf('\n## ', start + 1);
  return page
    .slice(start, end === -1 ? undefined : end)
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) =>
      line
        .slice(2, -2)
        .split(' | ')
        .map((cell) => cell.trim()),
    );
}

/** The names in backticks of a table cell. */
const names = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map(([, name]) => name!);

describe('docs/configuration.md', () => {
  it('lists every AIBRIDGE_* variable the plugin reads, and no other', () => {
    const inCode = [...new Set([...read('src/config/env.ts').matchAll(/'(AIBRIDGE_[A-Z_]+)'/g)].map(([, n]) => n!))];
    const documented = rows(configuration, 'Plugin variables').flatMap(([variables]) => names(variables!));
    expect(documented.sort()).toEqual(inCode.sort());
  });

  it('holds every variable row of the README as it is there', () => {
    const start = readme.indexOf('\n## Configuration\n');
    const readmeRows = readme
      .slice(start, readme.indexOf('\n## ', start + 1))
      .split('\n')
      .filter((line) => line.startsWith('| `AIBRIDGE_'));
    expect(readmeRows.length).toBeGreaterThanOrEqual(5);
    // Links in the README start from the root, those of docs/ from docs/.
    for (const row of readmeRows) expect(configuration).toContain(`\n${row.replaceAll('](docs/', '](')}\n`);
  });
});

describe('docs/telemetry.md', () => {
  const values = (prefix: string) =>
    Object.entries(semconv)
      .filter(([key, value]) => key.startsWith(prefix) && typeof value === 'string')
      .map(([, value]) => value as string);

  it('documents every attribute and event name the plugin defines', () => {
    const documented = new Set(names(telemetry));
    for (const name of [...values('ATTR_'), ...values('EVENT_')]) expect(documented, name).toContain(name);
  });

  it('lists in its attribute tables only attributes the plugin defines (and the HTTP status code)', () => {
    const known = new Set([...values('ATTR_'), 'http.response.status_code']);
    const attributes = [...rows(telemetry, 'The server span'), ...rows(telemetry, 'The interception record')]
      .filter((row) => row.length === 3)
      .map(([attribute]) => names(attribute!)[0]!);
    expect(attributes.length).toBeGreaterThan(15);
    for (const attribute of attributes) expect(known, attribute).toContain(attribute);
  });

  it('lists exactly the metrics the plugin records, with their Prometheus names', () => {
    const table = rows(telemetry, 'Metrics').filter((row) => row.length === 4);
    expect(table.map(([instrument]) => names(instrument!)[0]).sort()).toEqual(values('METRIC_').sort());
    expect(table.map((row) => names(row[3]!)[0]).sort()).toEqual(Object.values(semconv.PROMETHEUS_METRIC_NAMES).sort());
  });
});

describe('README.md', () => {
  it('names only Prometheus metrics and labels the plugin exports', () => {
    const metrics = Object.values(semconv.PROMETHEUS_METRIC_NAMES) as string[];
    const labels = Object.entries(semconv)
      .filter(([key, value]) => key.startsWith('ATTR_') && typeof value === 'string')
      .map(([, value]) => (value as string).replaceAll('.', '_'));
    const named = [...readme.matchAll(/`((?:aibridge|initiator|gen_ai)_[a-z_]+)`/g)].map(([, name]) => name!);
    expect(named.filter((name) => metrics.includes(name)).length).toBeGreaterThan(3);
    for (const name of named) expect([...metrics, ...labels], name).toContain(name);
  });

  it('names the tarball npm pack writes for the current version', () => {
    const { name, version } = JSON.parse(read('package.json')) as { name: string; version: string };
    const tarballs = [...readme.matchAll(/aibridge-initiator-otel-[\w.-]+?\.tgz/g)].map(([tarball]) => tarball);
    expect(tarballs.length).toBeGreaterThan(0);
    for (const tarball of tarballs) expect(tarball).toBe(`${name}-${version}.tgz`);
  });
});

describe('CHANGELOG.md', () => {
  it('has an entry for the current version, newest first', () => {
    const { version } = JSON.parse(read('package.json')) as { version: string };
    const versions = [...read('CHANGELOG.md').matchAll(/^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}$/gm)].map(
      ([, v]) => v!,
    );
    expect(versions[0]).toBe(version);
    expect(versions).toContain('0.1.0');
  });
});
