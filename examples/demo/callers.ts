/** The demo's callers and the people Coder Agents works for. */

/** Who calls: the User-Agent they send, the key they hold, and where their client names its session. */
export interface Caller {
  readonly name: string;
  readonly userAgent: string;
  readonly key: string;
  /** The header the client sends its session (conversation) ID in, if it sends one. */
  readonly sessionHeader?: string;
}

// Demo credentials: made up, and only ever sent to the local gateway.
export const SERVICE_ACCOUNT: Caller = {
  name: 'coder-agents service account',
  userAgent: 'coder-agents/2.24.1',
  key: 'sk-demo-coder-agents-service-0001',
  sessionHeader: 'x-coder-chat-id',
};
export const ALICE: Caller = {
  name: 'alice (Claude Code)',
  userAgent: 'claude-cli/1.0.98 (external, cli)',
  key: 'sk-ant-demo-alice-0001',
  sessionHeader: 'x-claude-code-session-id',
};
export const BOB: Caller = {
  name: 'bob (Codex)',
  userAgent: 'codex_exec/0.171.0 (Debian 12.0.0; x86_64)',
  key: 'sk-demo-bob-0001',
  sessionHeader: 'session-id',
};
export const ZED_USER: Caller = { name: 'gina (Zed, single sign-on)', userAgent: 'Zed/0.201.5', key: '' };
export const MALLORY: Caller = {
  name: 'mallory (spoofs Coder Agents)',
  userAgent: 'coder-agents/2.24.1',
  key: 'sk-demo-mallory-0001',
};

/** The shared secret the demo gateway verifies JWTs with (AIBRIDGE_JWT_SECRET). */
export const DEMO_JWT_SECRET = 'demo-identity-provider-secret-not-for-production-0001';

/** Coder users on whose behalf Coder Agents runs. */
export const OWNERS = {
  dana: '6f1c2a9e-3b7d-4c1e-9a2f-0d4b8e6c5a31',
  eli: 'b2e47d10-8c3a-4f5b-a6d9-7e1f0c2b3a48',
  fay: '0a9d8c7b-6e5f-4a3b-8c2d-1e0f9a8b7c6d',
} as const;
