import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { ConfigError } from '../config-error';
import type { Identity, Resolver, ResolverFailure } from '../resolution/resolver-types';
import type { JwtOptions } from '../types';
import { BoundedCache, CACHE_CAPACITY } from '../util/bounded-cache';

/** The names used in errors for each JWT setting (options or variables). */
export type JwtLabels = Readonly<Record<keyof JwtOptions, string>>;

const JWT_SHAPE = /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
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
export function jwtResolver(options: JwtOptions, labels: JwtLabels): Resolver {
  const key = verificationKey(options, labels);
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
      // The chain checks the ID itself, as it does every resolver's answer.
      if (initiator === undefined) {
        const failure = { failure: 'claim_missing' };
        verdicts.set(token, failure, Date.now() + FAILURE_TTL_MS);
        return failure;
      }
      const identity = { initiator: initiator as string, mayDelegate: false };
      verdicts.set(
        token,
        identity,
        typeof payload.exp === 'number' ? payload.exp * 1000 : Date.now() + NO_EXPIRY_TTL_MS,
      );
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

const KEY_SOURCES = ['jwksUrl', 'publicKeyFile', 'secret'] as const;

/** The one key tokens are verified with; throws `ConfigError` unless exactly one source is set and usable. */
function verificationKey(options: JwtOptions, labels: JwtLabels): JWTVerifyGetKey | KeyObject | Uint8Array {
  const sources = KEY_SOURCES.filter((name) => options[name] !== undefined);
  if (sources.length > 1)
    throw new ConfigError(labels[sources[1]!], `conflicts with ${labels[sources[0]!]}: set exactly one key source`);
  if (sources.length === 0) {
    const set = (Object.keys(options) as (keyof JwtOptions)[]).find((name) => options[name] !== undefined) ?? 'jwksUrl';
    throw new ConfigError(
      labels[set],
      `is set, but no key to verify tokens with: set one of ${KEY_SOURCES.map((name) => labels[name]).join(', ')}`,
    );
  }
  if (options.jwksUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(options.jwksUrl);
    } catch {
      throw new ConfigError(labels.jwksUrl, 'is not a URL');
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
      throw new ConfigError(labels.jwksUrl, 'must be https (plain http only on loopback)');
    }
    return createRemoteJWKSet(url, { timeoutDuration: 2_000, cooldownDuration: 30_000 });
  }
  if (options.publicKeyFile !== undefined) {
    let pem: string;
    try {
      pem = readFileSync(options.publicKeyFile, 'utf8');
    } catch (error) {
      throw new ConfigError(
        labels.publicKeyFile,
        `${options.publicKeyFile}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`,
      );
    }
    try {
      return createPublicKey(pem);
    } catch {
      throw new ConfigError(labels.publicKeyFile, `${options.publicKeyFile}: is not a PEM public key or certificate`);
    }
  }
  const secret = options.secret ?? '';
  if (secret.length < MIN_SECRET_LENGTH)
    throw new ConfigError(labels.secret, `must be at least ${MIN_SECRET_LENGTH} characters`);
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
  if (
    error instanceof errors.JWSInvalid ||
    error instanceof errors.JWTInvalid ||
    error instanceof errors.JOSENotSupported
  )
    return 'malformed';
  return 'unverifiable';
}
