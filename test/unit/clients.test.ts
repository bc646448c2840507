import { describe, expect, it } from 'vitest';
import { detectClient, KNOWN_CLIENTS } from '../../src/resolution/clients';

describe('client detection', () => {
  it.each([
    ['mux/0.4.1', 'Mux'],
    ['claude-cli/1.0.98 (external, cli)', 'Claude Code'],
    ['codex_cli_rs/0.20.0', 'Codex'],
    ['Zed/0.201.5', 'Zed'],
    ['GitHubCopilotChat/0.30.0', 'GitHub Copilot (VS Code)'],
    ['copilot/1.0.0 (linux)', 'GitHub Copilot (CLI)'],
    ['kilo-code/4.80.0', 'Kilo Code'],
    ['roo-code/3.25.0', 'Roo Code'],
    ['coder-agents/2.24.1', 'Coder Agents'],
    ['Charm Crush/0.7.0', 'Charm Crush'],
    ['curl/8.5.0', 'Unknown'],
  ])('User-Agent %s is %s', (userAgent, client) => {
    expect(detectClient({ 'user-agent': userAgent })).toBe(client);
  });

  it('matches User-Agent prefixes case-insensitively', () => {
    expect(detectClient({ 'user-agent': 'CODER-AGENTS/1.0' })).toBe('Coder Agents');
  });

  it('needs a prefix, not a substring', () => {
    expect(detectClient({ 'user-agent': 'my-tool coder-agents/1.0' })).toBe('Unknown');
  });

  it.each([
    ['kilo-code', 'Kilo Code'],
    ['roo-code', 'Roo Code'],
  ])('header originator: %s is %s', (originator, client) => {
    expect(detectClient({ 'user-agent': 'node-fetch/1.0', originator })).toBe(client);
  });

  it('any User-Agent rule wins over the originator header', () => {
    expect(detectClient({ 'user-agent': 'claude-cli/1.0', originator: 'roo-code' })).toBe('Claude Code');
    expect(detectClient({ 'user-agent': 'coder-agents/1.0', originator: 'kilo-code' })).toBe('Coder Agents');
  });

  it('a Cursor version header means Cursor when no User-Agent rule matches', () => {
    expect(detectClient({ 'user-agent': 'undici', 'x-cursor-client-version': '1.5.0' })).toBe('Cursor');
  });

  it('no headers at all is Unknown', () => {
    expect(detectClient({})).toBe('Unknown');
  });

  it('lists every client it can return', () => {
    expect(KNOWN_CLIENTS).toEqual([
      'Mux',
      'Claude Code',
      'Codex',
      'Zed',
      'GitHub Copilot (VS Code)',
      'GitHub Copilot (CLI)',
      'Kilo Code',
      'Roo Code',
      'Coder Agents',
      'Charm Crush',
      'Cursor',
      'Unknown',
    ]);
  });
});
