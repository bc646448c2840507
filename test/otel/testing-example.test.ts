// The example of docs/testing.md ("Testing your gateway"), read from the page when the test runs and
// run as a user runs it: saved as a test file in a project of its own, where the package resolves by
// name, and run with `node --test`. Its gateway and mock provider both run in that one process.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { recordOutput, registerSecret } from '../support/scan';

const root = fileURLToPath(new URL('../..', import.meta.url));
// AIBRIDGE_TEST_GATEWAY_NODE: run it on another Node (the oldest supported) than the suite's own.
const node = process.env.AIBRIDGE_TEST_GATEWAY_NODE || process.execPath;

/** The first fenced code block of a documentation page, under its title. */
function exampleOf(page: string, title: string): { code: string; language: string } {
  const text = readFileSync(join(root, page), 'utf8');
  if (!text.startsWith(`# ${title}\n`)) throw new Error(`${page} is not titled "${title}"`);
  const block = /^```(\w+)\n([\s\S]*?)^```$/m.exec(text);
  if (block === null) throw new Error(`${page} has no code block`);
  return { language: block[1]!, code: block[2]! };
}

describe('docs/testing.md: Testing your gateway', () => {
  const example = exampleOf('docs/testing.md', 'Testing your gateway');
  const project = mkdtempSync(join(tmpdir(), 'aibridge-testing-example-'));
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it('is a complete test file: run with node --test in a project of its own, its test passes', () => {
    expect(example.language).toBe('js');
    // The package as an installed dependency; what it needs resolves from its own directory.
    mkdirSync(join(project, 'node_modules'));
    symlinkSync(root, join(project, 'node_modules', 'aibridge-initiator-otel'), 'dir');
    writeFileSync(join(project, 'package.json'), '{ "private": true, "type": "module" }\n');
    writeFileSync(join(project, 'gateway.test.mjs'), example.code);
    for (const [, token] of example.code.matchAll(/Bearer ([^'"`\s]+)/g)) registerSecret(token!);

    const run = spawnSync(node, ['--test', '--test-reporter=tap', 'gateway.test.mjs'], {
      cwd: project,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    recordOutput('docs/testing.md example', `${run.stdout}\n${run.stderr}`);
    const count = (name: string) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(run.stdout)?.[1] ?? NaN);

    expect({ status: run.status, stderr: run.stderr, fail: count('fail') }).toEqual({ status: 0, stderr: '', fail: 0 });
    expect(count('tests')).toBeGreaterThan(0);
    expect(count('pass')).toBe(count('tests'));
  });
});
