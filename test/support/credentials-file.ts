import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256Hex } from '../../src/resolution/credential';

export interface Listed {
  readonly token: string;
  readonly initiator: string;
  readonly delegate?: boolean;
}

/** The file's text for these credentials: hashes only, never tokens. */
export function credentialsJson(listed: readonly Listed[]): string {
  return JSON.stringify(
    {
      credentials: listed.map(({ token, initiator, delegate }) => ({
        sha256: sha256Hex(token),
        initiator,
        ...(delegate !== undefined && { delegate }),
      })),
    },
    null,
    2,
  );
}

/** A credentials file in a fresh temporary directory. */
export function writeCredentialsFile(listed: readonly Listed[]): string {
  const path = join(mkdtempSync(join(tmpdir(), 'aibridge-credentials-')), 'credentials.json');
  writeFileSync(path, credentialsJson(listed));
  return path;
}

/** Replaces the file's content atomically, as configuration management does (write, then rename). */
export function replaceFile(path: string, text: string): void {
  const next = `${path}.next`;
  writeFileSync(next, text);
  renameSync(next, path);
}
