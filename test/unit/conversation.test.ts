import { describe, expect, it } from 'vitest';
import { CONVERSATION_HEADERS, conversationIdOf } from '../../src/resolution/conversation';

describe('conversation ID', () => {
  it('is the session header value when it is sent once and printable', () => {
    expect(conversationIdOf('4b1f0c1e-session')).toBe('4b1f0c1e-session');
    expect(conversationIdOf(['4b1f0c1e-session'])).toBe('4b1f0c1e-session');
  });

  it.each([
    ['absent', undefined],
    ['sent twice', ['a', 'b']],
    ['empty', ''],
    ['surrounded by spaces', ' a '],
    ['longer than 256 characters', 'a'.repeat(257)],
    ['holding a control character', 'a\u0007b'],
  ])('is omitted when %s', (_, value) => {
    expect(conversationIdOf(value)).toBeUndefined();
  });

  it('keeps 256 characters', () => {
    expect(conversationIdOf('a'.repeat(256))).toBe('a'.repeat(256));
  });

  it('is read from each client’s own session header', () => {
    expect(CONVERSATION_HEADERS).toEqual({
      'Claude Code': 'x-claude-code-session-id',
      Codex: 'session_id',
      Mux: 'x-mux-workspace-id',
      'GitHub Copilot (VS Code)': 'x-interaction-id',
      'GitHub Copilot (CLI)': 'x-client-session-id',
      'Kilo Code': 'x-kilocode-taskid',
      'Coder Agents': 'x-coder-chat-id',
    });
  });
});
