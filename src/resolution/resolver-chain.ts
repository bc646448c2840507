import { isPromise, TIMED_OUT, withDeadline } from '../util/deadline';
import type { Credential } from './credential';
import { isValidInitiatorId } from './initiator-id';
import {
  isFailure,
  type CredentialIdentity,
  type Resolver,
  type ResolverAnswer,
  type ResolverInput,
} from './resolver-types';
import type { ResolverError } from './types';

/**
 * Runs the resolvers in order; the first that knows the request gives the credential initiator,
 * the fingerprint is the fallback. Synchronous as long as every resolver answers at once, so the
 * common path (no resolver, a known file entry, a cached token) allocates no promise. A resolver
 * that must wait gets what is left of `timeoutMs`; past it, the chain gives up on it.
 */
export function runChain(
  resolvers: readonly Resolver[],
  input: ResolverInput,
  timeoutMs: number,
): CredentialIdentity | Promise<CredentialIdentity> {
  return step(resolvers, 0, input, [], undefined);

  function step(
    list: readonly Resolver[],
    index: number,
    request: ResolverInput,
    errors: ResolverError[],
    deadline: number | undefined,
  ): CredentialIdentity | Promise<CredentialIdentity> {
    for (let i = index; i < list.length; i++) {
      const resolver = list[i]!;
      let answer: ResolverAnswer | Promise<ResolverAnswer>;
      try {
        answer = resolver.resolve(request);
      } catch {
        errors.push({ resolver: resolver.name, reason: 'error' });
        continue;
      }
      if (isPromise(answer)) {
        const until = deadline ?? Date.now() + timeoutMs;
        return withDeadline(answer, until - Date.now()).then(
          (settled) => {
            if (settled === TIMED_OUT) errors.push({ resolver: resolver.name, reason: 'timeout' });
            else {
              const known = accept(settled, resolver, errors);
              if (known !== undefined) return known;
            }
            return step(list, i + 1, request, errors, until);
          },
          () => {
            errors.push({ resolver: resolver.name, reason: 'error' });
            return step(list, i + 1, request, errors, until);
          },
        );
      }
      const known = accept(answer, resolver, errors);
      if (known !== undefined) return known;
    }
    return fallback(request.credential, errors);
  }
}

function accept(answer: ResolverAnswer, resolver: Resolver, errors: ResolverError[]): CredentialIdentity | undefined {
  if (answer === undefined) return undefined;
  if (isFailure(answer)) {
    errors.push({ resolver: resolver.name, reason: answer.failure });
    return undefined;
  }
  // Every answer passes here, so this is the one place an initiator ID is checked.
  if (!isValidInitiatorId(answer.initiator)) {
    errors.push({ resolver: resolver.name, reason: 'invalid' });
    return undefined;
  }
  return { initiator: answer.initiator, mayDelegate: answer.mayDelegate === true, errors };
}

function fallback(credential: Credential | undefined, errors: readonly ResolverError[]): CredentialIdentity {
  return { initiator: credential?.fingerprint, mayDelegate: false, errors };
}
