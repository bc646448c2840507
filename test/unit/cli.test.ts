import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { fingerprintToken } from 'aibridge-initiator-otel';
import { sha256Hex } from '../../src/resolution/credential';
import { SERVICE_TOKEN } from '../support/fixtures';
import { REPO_ROOT } from '../support/gateway-process';
import { recordOutput } from '../support/scan';

function cli(args: string[], stdin: string) {
  const run = spawnSync(process.execPath, ['dist/cli.js', ...args], { cwd: REPO_ROOT, input: stdin, encoding: 'utf8' });
  recordOutput('process', `${run.stdout}\n${run.stderr}`);
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('hash-credential', () => {
  it('prints the credentials-file entry for a token read from stdin, with its hash and never the token', () => {
    const { code, stdout, stderr } = cli(
      ['hash-credential', '--initiator', 'svc-coder-agents', '--delegate'],
      `${SERVICE_TOKEN}\n`,
    );
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      sha256: sha256Hex(SERVICE_TOKEN),
      initiator: 'svc-coder-agents',
      delegate: true,
    });
    expect(stderr).toContain(fingerprintToken(SERVICE_TOKEN));
    expect(stdout + stderr).not.toContain(SERVICE_TOKEN);
  });

  it('refuses a token on the command line', () => {
    const { code, stderr } = cli(['hash-credential', SERVICE_TOKEN], '');
    expect(code).toBe(2);
    expect(stderr).toContain('the token is read from stdin, never from the command line');
    expect(stderr).not.toContain(SERVICE_TOKEN);
  });

  it('refuses input with whitespace, such as a pasted "Bearer" prefix', () => {
    const { code, stdout, stderr } = cli(['hash-credential'], `Bearer ${SERVICE_TOKEN}\n`);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('give the token alone');
  });

  it('refuses an empty input', () => {
    expect(cli(['hash-credential'], '').code).toBe(2);
  });
});

describe('--help', () => {
  it.each([
    [['--help']],
    [['-h']],
    [['hash-credential', '--help']],
    [['hash-credential', '--initiator', 'alice', '-h']],
  ])('%j prints the usage to stdout and exits 0, without reading a token', (args) => {
    const { code, stdout, stderr } = cli(args, `${SERVICE_TOKEN}\n`);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^usage: aibridge-initiator-otel hash-credential /);
    expect(stdout).toContain('-h, --help');
    expect(stdout).not.toContain(sha256Hex(SERVICE_TOKEN));
    expect(stderr).toBe('');
  });

  it('an unknown option is still refused, with the usage on stderr', () => {
    const { code, stdout, stderr } = cli(['--version'], '');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('unknown command "--version"');
    expect(stderr).toContain('usage: aibridge-initiator-otel hash-credential');
  });
});
