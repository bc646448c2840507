import type { Credential } from './credential';
import type { HeaderRecord } from './headers';
import type { ResolverError, ResolverName } from './types';

/** What a resolver sees of a request. */
export interface ResolverInput {
  /** The request's credential, if any. Its token never serialises. */
  readonly credential: Credential | undefined;
  /** Lowercase-keyed request headers. */
  readonly headers: HeaderRecord;
}

/** Who is behind a credential, and whether they may delegate to an owner header. */
export interface Identity {
  readonly initiator: string;
  readonly mayDelegate: boolean;
}

/** A resolver that knew the credential could not vouch for it; `reason` is short and bounded. */
export interface ResolverFailure {
  readonly failure: string;
}

/** An identity, a failure, or undefined when the resolver does not know the credential. */
export type ResolverAnswer = Identity | ResolverFailure | undefined;

export interface Resolver {
  readonly name: ResolverName;
  /**
   * True when this resolver decides who may delegate: once it is configured, credentials it does
   * not mark as delegating are refused (`credential_not_trusted`).
   */
  readonly governsDelegation?: boolean;
  /** Answers at once when it can; a promise only when it must wait (a first verification, a lookup). */
  resolve(input: ResolverInput): ResolverAnswer | Promise<ResolverAnswer>;
  /** Stops background work (file watching). */
  close?(): void;
}

/** The outcome of the resolver chain for one request. */
export interface CredentialIdentity {
  /** The credential initiator; undefined when there is no credential and no resolver knew the request. */
  readonly initiator: string | undefined;
  readonly mayDelegate: boolean;
  readonly errors: readonly ResolverError[];
}

export function isFailure(answer: ResolverAnswer): answer is ResolverFailure {
  return answer !== undefined && 'failure' in answer;
}

/** Stops the resolvers' background work; one that fails to close does not keep the others open. */
export function closeResolvers(resolvers: readonly Resolver[]): void {
  for (const resolver of resolvers) {
    try {
      resolver.close?.();
    } catch {
      // Closing only stops file watching; nothing is lost if it fails.
    }
  }
}
