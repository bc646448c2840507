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
 * Detects the calling client from its headers: the User-Agent prefix (case-insensitive, first
 * rule in order wins), else the `originator` header, else the Cursor version header, else `Unknown`.
 * The User-Agent decides first because delegation to the owner header is granted by User-Agent:
 * a request allowed to delegate is always named for the client that allowed it.
 */
export function detectClient(headers: HeaderRecord, userAgent: string = userAgentOf(headers)): string {
  for (const rule of RULES) {
    if (userAgent.startsWith(rule.userAgentPrefix)) return rule.client;
  }
  const originator = firstValue(headers, 'originator')?.toLowerCase();
  if (originator !== undefined) {
    for (const rule of RULES) if (rule.originator === originator) return rule.client;
  }
  if (headers['x-cursor-client-version'] !== undefined) return CURSOR_CLIENT;
  return UNKNOWN_CLIENT;
}
