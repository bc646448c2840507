/** Credentials used across the tests. The secret scan checks none of them leaks into output. */
export const SERVICE_TOKEN = 'sk-svc-coder-agents-7f3e9a1c2b4d6e8f0a1b2c3d';
export const ALICE_TOKEN = 'sk-alice-personal-0c1d2e3f4a5b6c7d8e9f';
export const BOB_API_KEY = 'sk-ant-bob-9e8d7c6b5a4f3e2d1c0b';
/** Tokens of other tests, registered with the secret scan too. */
export const SOMEONE_ELSE_TOKEN = 'sk-someone-else';

/** Valid UUIDv4 owners. */
export const OWNER_A = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
export const OWNER_B = '9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d';

export const CODER_AGENTS_UA = 'coder-agents/2.24.1';
export const CLAUDE_CODE_UA = 'claude-cli/1.0.98 (external, cli)';
