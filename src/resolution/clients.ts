import { firstValue, type HeaderRecord } from './headers';

/** Name of the client when no rule matches. */
export const UNKNOWN_CLIENT = 'Unknown';
/** Name of the client that delegates to an owner header by default. */
export const CODER_AGENTS_CLIENT = 'Coder Agents';
const CURSOR_CLIENT = 'Cursor';

interface ClientRule {
  readonly client: string;
  /** Lowercase User-Agent prefix. */
  readonly userAgentPrefix: string;
  /** Lowercase value of the `originator` header that also identifies the client. */
  readonly originator?: string;
}

// The first matching rule wins, so the order is part of the contract.
const RULES: readonly ClientRule[] = [
  { client: 'Mux', userAgentPrefix: 'mux/' },
  { client: 'Claude Code', userAgentPrefix: 'claude' },
  { client: 'Codex', userAgentPrefix: 'codex' },
  { client: 'Zed', userAgentPrefix: 'zed/' },
  { client: 'GitHub Copilot (VS Code)', userAgentPrefix: 'githubcopilotchat/' },
  { client: 'GitHub Copilot (CLI)', userAgentPrefix: 'copilot/' },
  { client: 'Kilo Code', userAgentPrefix: 'kilo-code/', originator: 'kilo-code' },
  { client: 'Roo Code', userAgentPrefix: 'roo-code/', originator: 'roo-code' },
  { client: CODER_AGENTS_CLIENT, userAgentPrefix: 'coder-agents/' },
  { client: 'Charm Crush', userAgentPrefix: 'charm crush/' },
];

/** Every client name `detectClient` can return. */
export const KNOWN_CLIENTS: readonly string[] = [...RULES.map((rule) => rule.client), CURSOR_CLIENT, UNKNOWN_CLIENT];

/** The lowercased User-Agent, or the empty string. */
export function userAgentOf(headers: HeaderRecord): string {
  return (firstValue(headers, 'user-agent') ?? '').toLowerCase();
}

/**
 * Detects the calling client from its headers: User-Agent prefix (case-insensitive) or the
 * `originator` header, in rule order; then the Cursor version header; else `Unknown`.
 */
export function detectClient(headers: HeaderRecord, userAgent: string = userAgentOf(headers)): string {
  const originator = firstValue(headers, 'originator')?.toLowerCase();
  for (const rule of RULES) {
    if (userAgent.startsWith(rule.userAgentPrefix)) return rule.client;
    if (originator !== undefined && originator === rule.originator) return rule.client;
  }
  if (headers['x-cursor-client-version'] !== undefined) return CURSOR_CLIENT;
  return UNKNOWN_CLIENT;
}
