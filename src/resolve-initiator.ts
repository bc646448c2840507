import { createPolicy } from './config/create-policy';
import { toHeaderRecord } from './resolution/headers';
import type { InitiatorPolicy } from './resolution/policy';
import { resolveFromRecord, UNREADABLE } from './resolution/resolve-request';
import type { HeaderInput, Resolution } from './resolution/types';

let defaultPolicy: InitiatorPolicy | undefined;

/**
 * Resolves who an interception belongs to from its request headers, by the same rules as the
 * plugin. Total: any input, however malformed, yields a Resolution (resolvers may have to wait:
 * a JWT seen for the first time, a resolver module, hence the promise).
 *
 * @example
 * const resolution = await resolveInitiator(req.headers);
 * if (resolution.override) console.log(`on behalf of ${resolution.initiator}`);
 */
export async function resolveInitiator(
  headers: HeaderInput | null | undefined,
  policy?: InitiatorPolicy,
): Promise<Resolution> {
  try {
    return await resolveFromRecord(toHeaderRecord(headers), policy ?? (defaultPolicy ??= createPolicy()));
  } catch {
    return UNREADABLE;
  }
}
