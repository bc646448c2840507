import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { BoundedCache, CACHE_CAPACITY } from '../util/bounded-cache';
import { firstValue, type HeaderRecord } from './headers';

/** Where the credential was found. */
export type CredentialKind = 'bearer' | 'api_key';

const BEARER = /^bearer[ \t]+(\S+)[ \t]*$/i;

interface Digest {
  readonly sha256: string;
  readonly fingerprint: string;
}

/**
 * A request's credential. The raw token is readable through `token` for resolvers that need it,
 * but never serialises: `JSON.stringify`, `util.inspect` and string conversion show the
 * fingerprint, so a logged Credential cannot leak the token.
 */
export class Credential {
  readonly kind: CredentialKind;
  readonly #token: string;
  #digest: Digest | undefined;

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
    this.#digest ??= digestOf(this.#token);
    return this.#digest.fingerprint;
  }

  /** sha256(token) in lowercase hex: how a credentials file names the credential. */
  get sha256(): string {
    this.#digest ??= digestOf(this.#token);
    return this.#digest.sha256;
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

/** sha256(token) in lowercase hex. */
export function sha256Hex(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * The credential initiator of a token no resolver knows: `key-` + the first 16 hex characters of
 * its sha256. Enough to tell credentials apart and to list one in `trustedInitiators`; nothing to
 * recover the token from.
 */
export function fingerprintToken(token: string): string {
  return fingerprintOf(sha256Hex(token));
}

function fingerprintOf(sha256: string): string {
  return 'key-' + sha256.slice(0, 16);
}

/**
 * Tokens repeat across requests (one service account, a few thousand users), and hashing is the
 * costliest step of a resolution; the cache makes repeat requests cheap without letting a flood of
 * distinct tokens grow memory. It holds raw tokens as keys, in this process's memory only, where
 * each request's token already is.
 */
const digests = new BoundedCache<string, Digest>(CACHE_CAPACITY);
function digestOf(token: string): Digest {
  let digest = digests.get(token);
  if (digest === undefined) {
    const sha256 = sha256Hex(token);
    digest = { sha256, fingerprint: fingerprintOf(sha256) };
    digests.set(token, digest);
  }
  return digest;
}
