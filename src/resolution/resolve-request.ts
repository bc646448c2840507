import { detectClient, UNKNOWN_CLIENT, userAgentOf } from './clients';
import { extractCredential } from './credential';
import { allValues, type HeaderRecord } from './headers';
import { decideOwner } from './owner-header';
import type { InitiatorPolicy } from './policy';
import { runChain } from './resolver-chain';
import type { CredentialIdentity } from './resolver-types';
import type { Resolution } from './types';

/** What a request that cannot be read at all (a throwing getter, a hostile proxy) resolves to. */
export const UNREADABLE: Resolution = {
  initiator: undefined,
  source: 'none',
  override: false,
  credentialInitiator: undefined,
  client: UNKNOWN_CLIENT,
  rejection: undefined,
  resolverErrors: [],
};

/**
 * Resolves who an interception belongs to: the credential initiator from the resolvers (or the
 * fingerprint), then the owner-header rules. Synchronous unless a resolver must wait.
 * `headers` are lowercase-keyed, as Node's `IncomingMessage.headers` are. `ownerValue` overrides
 * the owner header's value as read from `headers`: Node joins a repeated header into one string,
 * so a caller that can see the raw headers passes every value.
 */
export function resolveFromRecord(
  headers: HeaderRecord,
  policy: InitiatorPolicy,
  ownerValue: string | readonly string[] | undefined = allValues(headers, policy.ownerHeader),
): Resolution | Promise<Resolution> {
  const credential = extractCredential(headers);
  const identity = runChain(policy.resolvers, { credential, headers }, policy.resolverTimeoutMs);
  if (identity instanceof Promise) return identity.then((known) => decide(headers, policy, ownerValue, known));
  return decide(headers, policy, ownerValue, identity);
}

/** The owner-header rules, once the credential initiator is known. */
export function decide(
  headers: HeaderRecord,
  policy: InitiatorPolicy,
  ownerValue: string | readonly string[] | undefined,
  identity: CredentialIdentity,
): Resolution {
  const userAgent = userAgentOf(headers);
  const client = detectClient(headers, userAgent, policy.clients);
  const credentialInitiator = identity.initiator;
  const decision = decideOwner({
    value: ownerValue,
    userAgent,
    delegatingUserAgentPrefixes: policy.ownerUserAgentPrefixes,
    mayDelegate:
      !policy.delegationRestricted ||
      identity.mayDelegate ||
      (credentialInitiator !== undefined && policy.trustedInitiators.has(credentialInitiator)),
  });
  if (decision.kind === 'applied') {
    return {
      initiator: decision.owner,
      source: 'owner_header',
      override: true,
      credentialInitiator,
      client,
      rejection: undefined,
      resolverErrors: identity.errors,
    };
  }
  return {
    initiator: credentialInitiator,
    source: credentialInitiator === undefined ? 'none' : 'credential',
    override: false,
    credentialInitiator,
    client,
    rejection: decision.kind === 'rejected' ? decision.rejection : undefined,
    resolverErrors: identity.errors,
  };
}
