import { extractCredential, resolveCredentialInitiator } from './credential';
import { detectClient, UNKNOWN_CLIENT, userAgentOf } from './clients';
import { allValues, toHeaderRecord, type HeaderRecord } from './headers';
import { decideOwner } from './owner-header';
import { createPolicy, type InitiatorPolicy } from './policy';
import type { HeaderInput, Resolution } from './types';

let defaultPolicy: InitiatorPolicy | undefined;

// What a request that cannot be read at all (a throwing getter, a hostile proxy) resolves to.
const UNREADABLE: Resolution = {
  initiator: undefined,
  source: 'none',
  override: false,
  credentialInitiator: undefined,
  client: UNKNOWN_CLIENT,
  rejection: undefined,
};

/**
 * Resolves who an interception belongs to from its request headers. Pure and total: any input,
 * however malformed, yields a Resolution.
 *
 * @example
 * const resolution = resolveInitiator(req.headers);
 * if (resolution.override) console.log(`on behalf of ${resolution.initiator}`);
 */
export function resolveInitiator(headers: HeaderInput | null | undefined, policy?: InitiatorPolicy): Resolution {
  try {
    return resolveFromRecord(toHeaderRecord(headers), policy ?? (defaultPolicy ??= createPolicy()));
  } catch {
    return UNREADABLE;
  }
}

/**
 * The hot-path form: headers already lowercase-keyed, as Node's `IncomingMessage.headers` are.
 * `ownerValue` overrides the owner header's value as read from `headers`: Node joins a repeated
 * header into one string, so the caller that can see the raw headers passes every value.
 */
export function resolveFromRecord(
  headers: HeaderRecord,
  policy: InitiatorPolicy,
  ownerValue: string | readonly string[] | undefined = allValues(headers, policy.ownerHeader),
): Resolution {
  const userAgent = userAgentOf(headers);
  const client = detectClient(headers, userAgent);
  const credential = extractCredential(headers);
  const credentialInitiator =
    credential === undefined
      ? undefined
      : resolveCredentialInitiator(credential, policy.credentialResolvers, policy.onResolverError);

  const decision = decideOwner({
    value: ownerValue,
    userAgent,
    delegatingUserAgentPrefixes: policy.ownerUserAgentPrefixes,
    credentialInitiator,
    trustedInitiators: policy.trustedInitiators,
  });

  if (decision.kind === 'applied') {
    return {
      initiator: decision.owner,
      source: 'owner_header',
      override: true,
      credentialInitiator,
      client,
      rejection: undefined,
    };
  }
  return {
    initiator: credentialInitiator,
    source: credentialInitiator === undefined ? 'none' : 'credential',
    override: false,
    credentialInitiator,
    client,
    rejection: decision.kind === 'rejected' ? decision.rejection : undefined,
  };
}
