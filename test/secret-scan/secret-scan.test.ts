import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fingerprintToken } from 'aibridge-initiator-otel';
import { SERVICE_TOKEN } from '../support/fixtures';

// Runs after every other test file (see vitest.config.mts).
const dir = process.env.SCAN_DIR!;
const files = readdirSync(dir);
const secrets = [
  ...new Set(
    readFileSync(join(dir, 'secrets.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as string),
  ),
];
const output = files
  .filter((name) => name.startsWith('output-'))
  .map((name) => readFileSync(join(dir, name), 'utf8'))
  .join('\n');

describe('secret scan over everything the suite saw leave the plugin', () => {
  it('has a record to scan: spans, metrics, OTLP bodies and process output from the whole run', () => {
    for (const label of ['### spans', '### metrics', '### otlp', '### process']) expect(output).toContain(label);
    expect(output.length).toBeGreaterThan(100_000);
    // The credentials are there in the only form they may take.
    expect(output).toContain(fingerprintToken(SERVICE_TOKEN));
    expect(secrets.length).toBeGreaterThan(10);
  });

  it('finds no token, JWT or secret used by any test', () => {
    const found = secrets.filter((secret) => output.includes(secret));
    expect(found.map((secret) => `${secret.slice(0, 6)}… (${secret.length} chars)`)).toEqual([]);
  });
});
