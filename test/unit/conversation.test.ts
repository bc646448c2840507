import { describe, expect, it } from 'vitest';
import { conversationFrom, conversationIdOf } from '../../src/resolution/conversation';

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
});

describe('conversation ID from a client with two session headers', () => {
  const read = (headers: Record<string, string | string[]>) =>
    conversationFrom(['session-id', 'session_id'], headers, (h, name) => h[name]);

  it('is the first header when the request sends it', () => {
    expect(read({ 'session-id': 'new', session_id: 'old' })).toBe('new');
  });

  it('is the second header when only it is sent', () => {
    expect(read({ session_id: 'old' })).toBe('old');
  });

  it('is omitted when the first header sent is unusable, whatever the second says', () => {
    expect(read({ 'session-id': ['a', 'b'], session_id: 'old' })).toBeUndefined();
  });

  it('is omitted when neither is sent', () => {
    expect(read({})).toBeUndefined();
  });
});
