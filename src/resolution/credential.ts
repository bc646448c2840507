import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { firstValue, type HeaderRecord } from './headers';

/** Where the credential was found. */
export type CredentialKind = 'bearer' | 'api_key';

const BEARER = /^bearer[ \t]+(\S+)[ \t]*$/i;

/**
 * A request's credential. The raw token is readable through `token` for resolvers that need it,
 * but never serialises: `JSON.stringify`, `util.inspect` and string conversion show the
 * fingerprint, so a logged Credential cannot leak the token.
 */
export class Credential {
  readonly kind: CredentialKind;
  readonly #token: string;
  #fingerprint: string | undefined;

  constructor(kind: CredentialKind, token: string) {
    this.kind = kind;
    this.#token = token;
  }

  /** The raw token. Never put it in telemetry, logs or errors. */
  get token(): string {
    return this.#token;
  }

  /** `key-` followed by the first 16 hex characters of sha256(token). */
  get fingerprint(): string {
    this.#fingerprint ??= fingerprintCache.get(this.#token);
    return this.#fingerprint;
  }

  toJSON(): { kind: CredentialKind; fingerprint: string } {
    return { kind: this.kind, fingerprint: this.fingerprint };
  }

  toString(): string {
    return `Credential(${this.kind}, ${this.fingerprint})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/**
 * Maps a credential to the initiator behind it, or undefined when it does not know the credential.
 * Resolvers are tried in order; the fingerprint is the fallback when none knows it.
 */
export type CredentialResolver = (credential: Credential) => string | undefined;

/** Bearer token first, then `X-Api-Key`; undefined when the request carries neither. */
export function extractCredential(headers: HeaderRecord): Credential | undefined {
  const authorization = firstValue(headers, 'authorization');
  if (authorization !== undefined) {
    const match = BEARER.exec(authorization);
    if (match?.[1] !== undefined) return new Credential('bearer', match[1]);
  }
  const apiKey = firstValue(headers, 'x-api-key')?.trim();
  if (apiKey) return new Credential('api_key', apiKey);
  return undefined;
}

/** `key-` + the first 16 hex characters of sha256(token). */
export function fingerprintToken(token: string): string {
  return 'key-' + createHash('sha256').update(token, 'utf8').digest('hex').slice(0, 16);
}

/**
 * Tokens repeat across requests (one service account, a few thousand users), and hashing is the
 * costliest step of a resolution; a bounded cache makes repeat requests cheap without letting a
 * flood of distinct tokens grow memory. The oldest entry goes first.
 */
class FingerprintCache {
  readonly #entries = new Map<string, string>();
  constructor(readonly capacity: number) {}

  get(token: string): string {
    let fingerprint = this.#entries.get(token);
    if (fingerprint === undefined) {
      fingerprint = fingerprintToken(token);
      if (this.#entries.size >= this.capacity) {
        const oldest = this.#entries.keys().next();
        if (!oldest.done) this.#entries.delete(oldest.value);
      }
      this.#entries.set(token, fingerprint);
    }
    return fingerprint;
  }

  get size(): number {
    return this.#entries.size;
  }
}

/** Number of distinct tokens whose fingerprints are remembered. */
export const FINGERPRINT_CACHE_CAPACITY = 10_000;
const fingerprintCache = new FingerprintCache(FINGERPRINT_CACHE_CAPACITY);

/** How many fingerprints are cached now (for memory checks). */
export function fingerprintCacheSize(): number {
  return fingerprintCache.size;
}

/**
 * The credential initiator: the first resolver's answer, else the fingerprint. A resolver that
 * throws or answers a non-string is skipped and reported through `onError` (by index and error
 * name, never the message); it never fails the request.
 */
export function resolveCredentialInitiator(
  credential: Credential,
  resolvers: readonly CredentialResolver[],
  onError: (error: Error) => void,
): string {
  for (const [index, resolver] of resolvers.entries()) {
    try {
      const initiator = resolver(credential);
      if (typeof initiator === 'string' && initiator !== '') return initiator;
      if (initiator !== undefined) onError(new TypeError(`credential resolver #${index + 1} returned a non-string or empty initiator`));
    } catch (error) {
      onError(describeFailure(index, error));
    }
  }
  return credential.fingerprint;
}

// A resolver's message may quote the token it failed on, escaped or encoded beyond recognition, so
// only the error's name is passed on; the resolver is the operator's code and can log its own.
function describeFailure(index: number, error: unknown): Error {
  const name = error instanceof Error ? error.name : typeof error;
  return new Error(`credential resolver #${index + 1} threw ${name} (message withheld: it may quote the credential)`);
}
