import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { ConfigError } from '../config-error';
import { isValidInitiatorId } from '../resolution/initiator-id';
import type { Resolver } from '../resolution/resolver-types';

/** One credential of the file: who is behind it, and whether it may delegate. */
export interface CredentialEntry {
  readonly initiator: string;
  readonly delegate: boolean;
}

const SHA256 = /^[0-9a-f]{64}$/;
const ENTRY_KEYS = new Set(['sha256', 'initiator', 'delegate']);

/**
 * Validates a credentials file's text against its schema:
 * `{ "credentials": [ { "sha256": <64 lowercase hex>, "initiator": <printable id>, "delegate"?: <boolean> } ] }`.
 * Unknown keys are errors: a misspelt `delegate` must not silently fail open (or closed).
 */
export function parseCredentialsFile(text: string, path: string, label: string): ReadonlyMap<string, CredentialEntry> {
  const fail = (where: string, problem: string): never => {
    throw new ConfigError(label, `${path}: ${where}: ${problem}`);
  };
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    // The parser's message quotes the text around the fault, which may be a token: only its place is told.
    const place = /line \d+ column \d+|position \d+/.exec(error instanceof Error ? error.message : '')?.[0];
    return fail('not JSON', place === undefined ? 'cannot be parsed' : `cannot be parsed at ${place}`);
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document))
    return fail('top level', 'must be an object with a "credentials" array');
  const extra = Object.keys(document).filter((key) => key !== 'credentials');
  if (extra.length > 0) fail('top level', `${describeKey(extra[0]!)} (allowed: credentials)`);
  const list = (document as { credentials?: unknown }).credentials;
  if (!Array.isArray(list)) return fail('credentials', 'must be an array');

  const entries = new Map<string, CredentialEntry>();
  list.forEach((entry: unknown, index) => {
    const where = `credentials[${index}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return fail(where, 'must be an object');
    const unknown = Object.keys(entry).find((key) => !ENTRY_KEYS.has(key));
    if (unknown !== undefined) fail(where, `${describeKey(unknown)} (allowed: sha256, initiator, delegate)`);
    const { sha256, initiator, delegate } = entry as Record<string, unknown>;
    if (typeof sha256 !== 'string' || !SHA256.test(sha256))
      fail(`${where}.sha256`, 'must be 64 lowercase hex characters (sha256 of the token, never the token)');
    if (!isValidInitiatorId(initiator))
      fail(`${where}.initiator`, 'must be a printable string of 1 to 256 characters without surrounding spaces');
    if (delegate !== undefined && typeof delegate !== 'boolean') fail(`${where}.delegate`, 'must be true or false');
    if (entries.has(sha256 as string)) fail(`${where}.sha256`, 'appears more than once');
    entries.set(sha256 as string, { initiator: initiator as string, delegate: delegate === true });
  });
  return entries;
}

// A misplaced token may sit where a key belongs: only a key that looks like a misspelt word is named.
function describeKey(key: string): string {
  return /^[A-Za-z_]{1,24}$/.test(key) ? `unknown key "${key}"` : 'an unknown key (not shown: it may be a credential)';
}

/** Reads and validates the file; throws `ConfigError` (labelled `label`) naming what is wrong. */
export function loadCredentialsFile(path: string, label: string): ReadonlyMap<string, CredentialEntry> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(label, `${path}: cannot be read (${code})`);
  }
  return parseCredentialsFile(text, path, label);
}

interface FileStatus {
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly size: number;
  readonly ino: number;
}

/** How often the file is checked for changes. */
export const CREDENTIALS_FILE_POLL_MS = 1_000;

/** Whether the file on disk is the version in use. */
export interface CredentialsFileState {
  /** True from a change that could not be loaded until a later version loads: the previous one is in use. */
  readonly reloadFailed: boolean;
}

// Kept beside the resolver rather than on it: the resolver chain sees only the Resolver interface.
const states = new WeakMap<Resolver, CredentialsFileState>();

/** The reload state of a resolver made by `credentialsFileResolver`; undefined for any other resolver. */
export function credentialsFileStateOf(resolver: Resolver): CredentialsFileState | undefined {
  return states.get(resolver);
}

export interface CredentialsFileEvents {
  /** A new version was loaded. */
  onReload?(count: number): void;
  /** A new version could not be used; the previous one stays. */
  onRejectedReload?(problem: string, keptCount: number): void;
}

/**
 * Resolves credentials listed in the file by the sha256 of their token. Loaded at start (a bad
 * file throws), then re-read whenever it changes, so keys rotate without a restart. A change that
 * cannot be used (invalid, unreadable, deleted) leaves the last good version in place.
 * Polling the file's status, rather than watching its inode, follows atomic renames and the
 * symlink swaps of mounted configuration.
 */
export function credentialsFileResolver(path: string, label: string, events: CredentialsFileEvents = {}): Resolver {
  let entries = loadCredentialsFile(path, label);
  const state = { reloadFailed: false };
  const onChange = (current: FileStatus, previous: FileStatus): void => {
    // ctime and inode catch rewrites that keep the size and restore the modification time (cp -p, rsync -t).
    const same =
      current.mtimeMs === previous.mtimeMs &&
      current.ctimeMs === previous.ctimeMs &&
      current.size === previous.size &&
      current.ino === previous.ino;
    if (same) return;
    try {
      entries = loadCredentialsFile(path, label);
      state.reloadFailed = false;
      events.onReload?.(entries.size);
    } catch (error) {
      state.reloadFailed = true;
      events.onRejectedReload?.(error instanceof ConfigError ? error.problem : String(error), entries.size);
    }
  };
  watchFile(path, { interval: CREDENTIALS_FILE_POLL_MS, persistent: false }, onChange);
  const resolver: Resolver = {
    name: 'credentials_file',
    governsDelegation: true,
    resolve({ credential }) {
      if (credential === undefined) return undefined;
      const entry = entries.get(credential.sha256);
      return entry === undefined ? undefined : { initiator: entry.initiator, mayDelegate: entry.delegate };
    },
    close() {
      unwatchFile(path, onChange);
    },
  };
  states.set(resolver, state);
  return resolver;
}
