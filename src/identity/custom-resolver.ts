import { createRequire } from 'node:module';
import { join, resolve as resolvePath } from 'node:path';
import { ConfigError } from '../config-error';
import { BoundedCache, CACHE_CAPACITY } from '../util/bounded-cache';
import { isPromise, TIMED_OUT, withDeadline } from '../util/deadline';
import type { Resolver, ResolverAnswer } from '../resolution/resolver-types';
import type { ResolverName } from '../resolution/types';
import type { CredentialResolver } from '../types';

/** How long an answer of a custom resolver is reused for the same token. */
export const CUSTOM_ANSWER_TTL_MS = 60_000;

/**
 * Wraps a custom resolver: only asked about requests with a credential, its answers (known or not)
 * reused per token for a minute (so they must depend on the credential alone), and one lookup at a
 * time per token however many requests wait. A lookup that outlasts `timeoutMs` is given up on for
 * this request and no longer shared, so a hung backend is asked again by the next request; if its
 * answer comes after all, it is remembered.
 */
export function customResolver(
  resolveCredential: CredentialResolver,
  timeoutMs: number,
  name: ResolverName = 'custom',
): Resolver {
  // Boxed, so that a remembered "not known" is told apart from a miss.
  const answers = new BoundedCache<string, { readonly initiator: unknown }>(CACHE_CAPACITY);
  const inFlight = new Map<string, Promise<ResolverAnswer>>();
  // Whatever it answered is checked by the resolver chain, as every resolver's answer is.
  const toAnswer = (initiator: unknown): ResolverAnswer =>
    initiator === undefined ? undefined : { initiator: initiator as string, mayDelegate: false };
  return {
    name,
    resolve({ credential, headers }) {
      if (credential === undefined) return undefined;
      const token = credential.token;
      const cached = answers.get(token);
      if (cached !== undefined) return toAnswer(cached.initiator);
      const pending = inFlight.get(token);
      if (pending !== undefined) return pending;
      const answer = resolveCredential({ credential, headers });
      if (!isPromise(answer)) {
        answers.set(token, { initiator: answer }, Date.now() + CUSTOM_ANSWER_TTL_MS);
        return toAnswer(answer);
      }
      const lookup = Promise.resolve(answer).then(
        (initiator): ResolverAnswer => {
          answers.set(token, { initiator }, Date.now() + CUSTOM_ANSWER_TTL_MS);
          return toAnswer(initiator);
        },
        (): ResolverAnswer => ({ failure: 'error' }),
      );
      const bounded = withDeadline(lookup, timeoutMs).then((settled): ResolverAnswer =>
        settled === TIMED_OUT ? { failure: 'timeout' } : settled,
      );
      // Shared only while it may still answer, and only up to the cache's size.
      if (inFlight.size < CACHE_CAPACITY) {
        inFlight.set(token, bounded);
        void bounded.then(() => inFlight.delete(token));
      }
      return bounded;
    },
  };
}

/**
 * Loads `AIBRIDGE_RESOLVER_MODULE`: a path (relative to the working directory) or a package name,
 * CommonJS or ESM, exporting `resolveCredential`.
 */
export function loadResolverModule(specifier: string, label: string, cwd: string = process.cwd()): CredentialResolver {
  const requireFromCwd = createRequire(join(cwd, 'noop.js'));
  const target = specifier.startsWith('.') ? resolvePath(cwd, specifier) : specifier;
  let loaded: unknown;
  try {
    loaded = requireFromCwd(target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(
      label,
      `${specifier}: cannot be loaded (${code ?? (error instanceof Error ? error.name : 'error')})`,
    );
  }
  const exports = loaded as { resolveCredential?: unknown; default?: { resolveCredential?: unknown } } | undefined;
  const resolveCredential = exports?.resolveCredential ?? exports?.default?.resolveCredential;
  if (typeof resolveCredential !== 'function')
    throw new ConfigError(label, `${specifier}: does not export a resolveCredential function`);
  return resolveCredential as CredentialResolver;
}
