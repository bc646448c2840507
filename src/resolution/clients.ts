import { firstValue, type HeaderRecord } from './headers';

/** Name of the client when no rule matches. */
export const UNKNOWN_CLIENT = 'Unknown';
/** Name of the client that delegates to an owner header by default. */
export const CODER_AGENTS_CLIENT = 'Coder Agents';
const CURSOR_CLIENT = 'Cursor';

/** One way to recognise a client: a User-Agent prefix, or a value of the `originator` header. */
export interface DetectionRule {
  readonly client: string;
  /** Lowercase User-Agent prefix. */
  readonly userAgentPrefix?: string;
  /** Lowercase value of the `originator` header. */
  readonly originator?: string;
}

/** How clients are told apart, and where each names its session: compiled once, read per interception. */
export interface ClientTable {
  /** In order: the first matching User-Agent rule wins, then the first matching `originator` rule. */
  readonly rules: readonly DetectionRule[];
  /** Every client name `detectClient` can return with this table. */
  readonly names: readonly string[];
  /** Each client's session headers, lowercase, in the order they are looked for. */
  readonly sessionHeaders: ReadonlyMap<string, readonly string[]>;
}

// The first matching rule wins, so the order is part of the contract.
const BUILT_IN_RULES: readonly DetectionRule[] = [
  { client: 'Mux', userAgentPrefix: 'mux/' },
  { client: 'Claude Code', userAgentPrefix: 'claude' },
  { client: 'Codex', userAgentPrefix: 'codex' },
  { client: 'Zed', userAgentPrefix: 'zed/' },
  { client: 'GitHub Copilot (VS Code)', userAgentPrefix: 'githubcopilotchat/' },
  { client: 'GitHub Copilot (CLI)', userAgentPrefix: 'copilot/' },
  { client: 'Kilo Code', userAgentPrefix: 'kilo-code/' },
  { client: 'Kilo Code', originator: 'kilo-code' },
  { client: 'Roo Code', userAgentPrefix: 'roo-code/' },
  { client: 'Roo Code', originator: 'roo-code' },
  { client: CODER_AGENTS_CLIENT, userAgentPrefix: 'coder-agents/' },
  { client: 'Charm Crush', userAgentPrefix: 'charm crush/' },
  { client: 'OpenCode', userAgentPrefix: 'opencode/' },
  { client: 'Qwen Code', userAgentPrefix: 'qwencode/' },
];

// Where each client names its session, as AI Bridge reads them and as the current releases were
// seen to send them. Where a client has two, the first one sent counts: Codex renamed its header in
// 0.140, and the Kilo Code CLI sends Kilo's own only to Kilo's own provider.
const BUILT_IN_SESSION_HEADERS: Readonly<Record<string, readonly string[]>> = {
  'Claude Code': ['x-claude-code-session-id'],
  Codex: ['session-id', 'session_id'],
  Mux: ['x-mux-workspace-id'],
  'GitHub Copilot (VS Code)': ['x-interaction-id'],
  'GitHub Copilot (CLI)': ['x-client-session-id'],
  'Kilo Code': ['x-kilocode-taskid', 'x-session-id'],
  OpenCode: ['x-session-id'],
  [CODER_AGENTS_CLIENT]: ['x-coder-chat-id'],
};

/**
 * The table of the built-in rules, with an operator's own: their rules are tried before the built-in
 * ones (a more specific prefix can name what a built-in rule would group), and their session headers
 * are looked for before a built-in client's own. Names and headers are taken as given: validating them
 * is the configuration's job.
 */
export function clientTable(
  rules: readonly DetectionRule[] = [],
  sessionHeaders: Readonly<Record<string, readonly string[]>> = {},
): ClientTable {
  const all = [...rules, ...BUILT_IN_RULES];
  const names = [...new Set([...all.map((rule) => rule.client), CURSOR_CLIENT]), UNKNOWN_CLIENT];
  const headers = new Map<string, readonly string[]>();
  for (const name of names) {
    const own = [...ownValue(sessionHeaders, name), ...ownValue(BUILT_IN_SESSION_HEADERS, name)];
    if (own.length > 0) headers.set(name, [...new Set(own)]);
  }
  return { rules: all, names, sessionHeaders: headers };
}

// A client may be named "constructor": only an object's own keys are its entries.
function ownValue(byName: Readonly<Record<string, readonly string[]>>, name: string): readonly string[] {
  return Object.hasOwn(byName, name) ? byName[name]! : [];
}

/** The built-in rules alone. */
export const BUILT_IN_CLIENTS: ClientTable = clientTable();

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
export function detectClient(
  headers: HeaderRecord,
  userAgent: string = userAgentOf(headers),
  table: ClientTable = BUILT_IN_CLIENTS,
): string {
  const rules = table.rules;
  for (const rule of rules) {
    if (rule.userAgentPrefix !== undefined && userAgent.startsWith(rule.userAgentPrefix)) return rule.client;
  }
  const originator = firstValue(headers, 'originator')?.toLowerCase();
  if (originator !== undefined) {
    for (const rule of rules) if (rule.originator === originator) return rule.client;
  }
  if (headers['x-cursor-client-version'] !== undefined) return CURSOR_CLIENT;
  return UNKNOWN_CLIENT;
}
