import { CODER_AGENTS_CLIENT } from './clients';

/** The header in which each client names its session (as AI Bridge reads them), lowercase. */
export const CONVERSATION_HEADERS: Readonly<Record<string, string>> = {
  'Claude Code': 'x-claude-code-session-id',
  Codex: 'session_id',
  Mux: 'x-mux-workspace-id',
  'GitHub Copilot (VS Code)': 'x-interaction-id',
  'GitHub Copilot (CLI)': 'x-client-session-id',
  'Kilo Code': 'x-kilocode-taskid',
  [CODER_AGENTS_CLIENT]: 'x-coder-chat-id',
};

/** Longest conversation ID kept; a longer one is omitted rather than cut (a cut ID would name another session). */
export const MAX_CONVERSATION_ID_LENGTH = 256;

const PRINTABLE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

/**
 * The client's session, from the value of its session header: one printable value of at most 256
 * characters, or undefined (absent, repeated, empty, too long or not printable: a session ID that
 * cannot be trusted to group anything is better left out).
 */
export function conversationIdOf(value: string | readonly string[] | undefined): string | undefined {
  const single = typeof value === 'string' ? value : value?.length === 1 ? value[0] : undefined;
  if (single === undefined) return undefined;
  return single.length <= MAX_CONVERSATION_ID_LENGTH && PRINTABLE.test(single) ? single : undefined;
}
