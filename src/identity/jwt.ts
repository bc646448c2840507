import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { BoundedCache } from '../util/bounded-cache';
import type { Identity, Resolver, ResolverFailure } from '../resolution/resolver-types';

/** How JWT bearer tokens are verified. Exactly one key source. */
export interface JwtOptions {
  /** A JWKS endpoint (https, or http on loopback for tests). */
  readonly jwksUrl?: string;
  /** A PEM public key (SPKI) or certificate file. */
  readonly publicKeyFile?: string;
  /** A shared HMAC secret (HS256/384/512), at least 32 characters. */
  readonly secret?: string;
  /** Required `iss`, when set. */
  readonly issuer?: string;
  /** Required `aud`, when set. */
  readonly audience?: string;
  /**
   * The claim that holds the initiator ID.
   * @default 'sub'
   */
  readonly claim?: string;
}

/** A JWT setting that cannot be used; `setting` names the option at fault. */
export class JwtConfigError extends Error {
  override name = 'JwtConfigError';
  constructor(
    readonly setting: keyof JwtOptions,
    problem: string,
  ) {
    super(problem);
  }
}

const JWT_SHAPE = /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const CACHE_CAPACITY = 10_000;
/** Verified tokens without `exp` are re-verified after this long. */
const NO_EXPIRY_TTL_MS = 5 * 60_000;
/** Tokens that failed for a lasting reason are not re-verified for this long. */
const FAILURE_TTL_MS = 60_000;
export const MIN_SECRET_LENGTH = 32;

type Verdict = Identity | ResolverFailure;

/**
 * Verifies JWT bearer tokens and takes the initiator from a claim. A token that is not a JWT is
 * left to the next resolver; a JWT that is invalid, expired or unverifiable yields no identity,
 * only a short failure reason. Verdicts are cached per token (until expiry, in a bounded cache),
 * so repeat requests are answered without waiting.
 */
export function jwtResolver(options: JwtOptions): Resolver {
  const key = verificationKey(options);
  const algorithms = allowedAlgorithms(key);
  const fromJwks = options.jwksUrl !== undefined;
  const claim = options.claim ?? 'sub';
  const verdicts = new BoundedCache<string, Verdict>(CACHE_CAPACITY);

  const verify = async (token: string): Promise<Verdict> => {
    try {
      const { payload } = await jwtVerify(token, key as JWTVerifyGetKey, {
        ...(options.issuer !== undefined && { issuer: options.issuer }),
        ...(options.audience !== undefined && { audience: options.audience }),
        ...(algorithms !== undefined && { algorithms }),
      });
      const initiator = payload[claim];
      if (typeof initiator !== 'string' || initiator === '' || initiator.length > 256) {
        const failure = { failure: 'claim_missing' };
        verdicts.set(token, failure, Date.now() + FAILURE_TTL_MS);
        return failure;
      }
      const identity = { initiator, mayDelegate: false };
      verdicts.set(token, identity, typeof payload.exp === 'number' ? payload.exp * 1000 : Date.now() + NO_EXPIRY_TTL_MS);
      return identity;
    } catch (error) {
      const failure = { failure: reasonOf(error, fromJwks) };
      // A key set that could not be fetched may be back in a moment; every other reason lasts.
      if (failure.failure !== 'jwks_unavailable') verdicts.set(token, failure, Date.now() + FAILURE_TTL_MS);
      return failure;
    }
  };

  return {
    name: 'jwt',
    resolve({ credential }) {
      if (credential?.kind !== 'bearer' || !JWT_SHAPE.test(credential.token)) return undefined;
      return verdicts.get(credential.token) ?? verify(credential.token);
    },
  };
}

function verificationKey(options: JwtOptions): JWTVerifyGetKey | KeyObject | Uint8Array {
  const sources = (['jwksUrl', 'publicKeyFile', 'secret'] as const).filter((name) => options[name] !== undefined);
  if (sources.length !== 1) {
    throw new JwtConfigError(sources[1] ?? 'jwksUrl', sources.length === 0 ? 'needs one key source' : `conflicts with ${sources[0]}: set exactly one key source`);
  }
  if (options.jwksUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(options.jwksUrl);
    } catch {
      throw new JwtConfigError('jwksUrl', 'is not a URL');
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
      throw new JwtConfigError('jwksUrl', 'must be https (plain http only on loopback)');
    }
    return createRemoteJWKSet(url, { timeoutDuration: 2_000, cooldownDuration: 30_000 });
  }
  if (options.publicKeyFile !== undefined) {
    let pem: string;
    try {
      pem = readFileSync(options.publicKeyFile, 'utf8');
    } catch (error) {
      throw new JwtConfigError('publicKeyFile', `${options.publicKeyFile}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
    }
    try {
      return createPublicKey(pem);
    } catch {
      throw new JwtConfigError('publicKeyFile', `${options.publicKeyFile}: is not a PEM public key or certificate`);
    }
  }
  const secret = options.secret ?? '';
  if (secret.length < MIN_SECRET_LENGTH) throw new JwtConfigError('secret', `must be at least ${MIN_SECRET_LENGTH} characters`);
  return new TextEncoder().encode(secret);
}

/**
 * The algorithms a configured key may verify: a token must not choose how it is checked (an HMAC
 * "signed" with a public key, `none`). A key set's keys carry their own algorithm.
 */
function allowedAlgorithms(key: JWTVerifyGetKey | KeyObject | Uint8Array): string[] | undefined {
  if (key instanceof Uint8Array) return ['HS256', 'HS384', 'HS512'];
  if (typeof key === 'function') return undefined;
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
    case 'rsa-pss':
      return ['PS256', 'PS384', 'PS512'];
    case 'ec':
      return ['ES256', 'ES384', 'ES512'];
    case 'ed25519':
    case 'ed448':
      return ['EdDSA', 'Ed25519'];
    default:
      return [];
  }
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** A short, bounded reason for a failed verification: never the token, never the library's message. */
function reasonOf(error: unknown, fromJwks: boolean): string {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) return 'invalid_claims';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'invalid_signature';
  if (error instanceof errors.JWKSNoMatchingKey) return 'unknown_key';
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) return 'jwks_unavailable';
  // fetch fails with a TypeError; elsewhere a TypeError is a key the token cannot use.
  if (error instanceof TypeError) return fromJwks ? 'jwks_unavailable' : 'algorithm_not_allowed';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'algorithm_not_allowed';
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid || error instanceof errors.JOSENotSupported) return 'malformed';
  return 'unverifiable';
}
