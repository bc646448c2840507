import { describe, expect, it } from 'vitest';
import { BUILT_IN_CLIENTS, clientTable, detectClient } from '../../src/resolution/clients';

describe('client detection', () => {
  it.each([
    ['mux/0.4.1', 'Mux'],
    ['claude-cli/1.0.98 (external, cli)', 'Claude Code'],
    ['claude-cli/2.1.337 (external, sdk-cli)', 'Claude Code'],
    ['codex_cli_rs/0.20.0', 'Codex'],
    ['codex_exec/0.171.0 (Debian 12.0.0; x86_64) xterm-256color', 'Codex'],
    ['Zed/0.201.5', 'Zed'],
    ['GitHubCopilotChat/0.30.0', 'GitHub Copilot (VS Code)'],
    ['copilot/1.0.0 (linux)', 'GitHub Copilot (CLI)'],
    ['kilo-code/4.80.0', 'Kilo Code'],
    ['Kilo-Code/7.7.7 (linux; x64)', 'Kilo Code'],
    ['roo-code/3.25.0', 'Roo Code'],
    ['coder-agents/2.24.1', 'Coder Agents'],
    ['coder-agents/v2.30.0 (linux/amd64)', 'Coder Agents'],
    ['Charm Crush/0.7.0', 'Charm Crush'],
    ['opencode/1.18.33 ai-sdk/provider-utils/3.0.20 runtime/bun/1.3.5', 'OpenCode'],
    ['QwenCode/0.24.4 (linux; x64)', 'Qwen Code'],
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

  it('lists every client the built-in rules can return', () => {
    expect(BUILT_IN_CLIENTS.names).toEqual([
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
      'OpenCode',
      'Qwen Code',
      'Cursor',
      'Unknown',
    ]);
  });
});

describe("client detection with an operator's rules", () => {
  const table = clientTable(
    [
      { client: 'Acme Agent', userAgentPrefix: 'acme-agent/' },
      { client: 'Internal Bot', originator: 'internal-bot' },
      { client: 'Claude Code (SDK)', userAgentPrefix: 'claude-cli/2.1.337 (external, sdk-ts)' },
    ],
    { 'Acme Agent': ['x-acme-session'], Codex: ['x-codex-next'] },
  );

  it('names a client the built-in rules do not know', () => {
    expect(detectClient({ 'user-agent': 'acme-agent/3.1' }, undefined, table)).toBe('Acme Agent');
    expect(detectClient({ 'user-agent': 'node', originator: 'Internal-Bot' }, undefined, table)).toBe('Internal Bot');
  });

  it('are tried before the built-in ones', () => {
    expect(detectClient({ 'user-agent': 'claude-cli/2.1.337 (external, sdk-ts)' }, undefined, table)).toBe(
      'Claude Code (SDK)',
    );
    expect(detectClient({ 'user-agent': 'claude-cli/2.1.337 (external, cli)' }, undefined, table)).toBe('Claude Code');
  });

  it('leave the built-in rules as they were', () => {
    expect(detectClient({ 'user-agent': 'QwenCode/0.24.4' }, undefined, table)).toBe('Qwen Code');
  });

  it('add their names to the list, before Cursor and Unknown', () => {
    expect(table.names.slice(0, 3)).toEqual(['Acme Agent', 'Internal Bot', 'Claude Code (SDK)']);
    expect(table.names.slice(-2)).toEqual(['Cursor', 'Unknown']);
  });

  it("look for the operator's session headers before a built-in client's own", () => {
    expect(table.sessionHeaders.get('Acme Agent')).toEqual(['x-acme-session']);
    expect(table.sessionHeaders.get('Codex')).toEqual(['x-codex-next', 'session-id', 'session_id']);
  });
});

describe('session headers', () => {
  it('are read from each client’s own header, in the order they are looked for', () => {
    expect(Object.fromEntries(BUILT_IN_CLIENTS.sessionHeaders)).toEqual({
      'Claude Code': ['x-claude-code-session-id'],
      Codex: ['session-id', 'session_id'],
      Mux: ['x-mux-workspace-id'],
      'GitHub Copilot (VS Code)': ['x-interaction-id'],
      'GitHub Copilot (CLI)': ['x-client-session-id'],
      'Kilo Code': ['x-kilocode-taskid', 'x-session-id'],
      'Coder Agents': ['x-coder-chat-id'],
      OpenCode: ['x-session-id'],
    });
  });
});
