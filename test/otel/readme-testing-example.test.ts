// The README's "Testing your gateway" example, read from README.md when the test runs and run as a
// user runs it: saved as a test file in a project of its own, where the package resolves by name,
// and run with `node --test`. Its gateway and mock provider both run in that one process.
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

/** The first fenced code block of a README section, and the section's text. */
function exampleOf(section: string): { code: string; language: string } {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n## ${section}\n`);
  if (start < 0) throw new Error(`README.md has no "## ${section}" section`);
  const end = readme.indexOf('\n## ', start + 1);
  const block = /^```(\w+)\n([\s\S]*?)^```$/m.exec(readme.slice(start, end < 0 ? undefined : end));
  if (block === null) throw new Error(`README.md's "${section}" section has no code block`);
  return { language: block[1]!, code: block[2]! };
}

describe('README: Testing your gateway', () => {
  const example = exampleOf('Testing your gateway');
  const project = mkdtempSync(join(tmpdir(), 'aibridge-readme-testing-'));
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
    recordOutput('README testing example', `${run.stdout}\n${run.stderr}`);
    const count = (name: string) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(run.stdout)?.[1] ?? NaN);

    expect({ status: run.status, stderr: run.stderr, fail: count('fail') }).toEqual({ status: 0, stderr: '', fail: 0 });
    expect(count('tests')).toBeGreaterThan(0);
    expect(count('pass')).toBe(count('tests'));
  });
});
