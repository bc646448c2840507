import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Caller } from './callers';

export interface KnownCredential {
  readonly caller: Caller;
  readonly initiator: string;
  /** May delegate to an owner header. */
  readonly delegate: boolean;
}

export interface CredentialsFile {
  readonly path: string;
  /** Removes the file and its directory; safe to call more than once. */
  remove(): void;
}

/**
 * The demo's credentials file (AIBRIDGE_CREDENTIALS_FILE), in a temporary directory of its own:
 * the sha256 of each demo key, never the key. The directory goes when the process exits, if
 * `remove` has not been called by then.
 */
export function writeCredentialsFile(known: readonly KnownCredential[]): CredentialsFile {
  const dir = mkdtempSync(join(tmpdir(), 'aibridge-demo-'));
  const path = join(dir, 'credentials.json');
  const credentials = known.map(({ caller, initiator, delegate }) => ({
    sha256: createHash('sha256').update(caller.key, 'utf8').digest('hex'),
    initiator,
    ...(delegate && { delegate }),
  }));
  writeFileSync(path, `${JSON.stringify({ credentials }, null, 2)}\n`);
  const remove = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', remove);
  return {
    path,
    remove: () => {
      process.off('exit', remove);
      remove();
    },
  };
}
