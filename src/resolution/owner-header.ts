import type { OwnerHeaderRejection } from './types';

/** What the owner header decided: nothing (absent), an owner, or a rejection. */
export type OwnerDecision =
  | { readonly kind: 'absent' }
  | { readonly kind: 'applied'; readonly owner: string }
  | { readonly kind: 'rejected'; readonly rejection: OwnerHeaderRejection };

/** What the owner-header rules need to know about the request and the policy. */
export interface OwnerHeaderInput {
  /** The header's value: a string for one value, an array for every value of a repeated header. */
  readonly value: string | readonly string[] | undefined;
  /** Lowercased User-Agent. */
  readonly userAgent: string;
  /** Lowercase User-Agent prefixes of clients allowed to delegate. */
  readonly delegatingUserAgentPrefixes: readonly string[];
  /** Whether the request's credential may delegate (always true when delegation is not restricted). */
  readonly mayDelegate: boolean;
}

const ABSENT: OwnerDecision = { kind: 'absent' };

/**
 * Applies the owner-header rules in the contract's order: client allowed, a single value,
 * a canonical UUIDv4, a credential that may delegate. The owner is returned lowercased.
 */
export function decideOwner(input: OwnerHeaderInput): OwnerDecision {
  const { value } = input;
  if (value === undefined || (typeof value !== 'string' && value.length === 0)) return ABSENT;
  if (!allowedToDelegate(input.userAgent, input.delegatingUserAgentPrefixes))
    return reject('client_not_allowed', value);
  const single = typeof value === 'string' ? value : value.length === 1 ? value[0] : undefined;
  if (single === undefined) return reject('multiple_values', value);
  if (!isCanonicalUuidV4(single)) return reject('invalid_format', value);
  if (!input.mayDelegate) return reject('credential_not_trusted', value);
  return { kind: 'applied', owner: single.toLowerCase() };
}

function allowedToDelegate(userAgent: string, prefixes: readonly string[]): boolean {
  for (const prefix of prefixes) if (userAgent.startsWith(prefix)) return true;
  return false;
}

/** The rejection, with the value's length as received (repeats joined as Node joins them). */
function reject(reason: OwnerHeaderRejection['reason'], value: string | readonly string[]): OwnerDecision {
  const valueLength = typeof value === 'string' ? value.length : value.join(', ').length;
  return { kind: 'rejected', rejection: { reason, valueLength } };
}

/**
 * 8-4-4-4-12 hex, version 4, RFC 4122 variant, any case; nothing around it. Checked one character
 * at a time: this runs on most interceptions, and a regular expression plus a version parse cost
 * several times as much.
 */
export function isCanonicalUuidV4(value: string): boolean {
  if (value.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const code = value.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (code !== DASH) return false;
    } else if (i === 14) {
      if (code !== DIGIT_4) return false;
    } else if (i === 19) {
      if (!isVariantNibble(code)) return false;
    } else if (!isHexDigit(code)) return false;
  }
  return true;
}

const DASH = 0x2d;
const DIGIT_4 = 0x34;

function isHexDigit(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x61 && code <= 0x66) || (code >= 0x41 && code <= 0x46);
}

/** 8, 9, a or b (either case): the RFC 4122 variant. */
function isVariantNibble(code: number): boolean {
  return code === 0x38 || code === 0x39 || code === 0x61 || code === 0x62 || code === 0x41 || code === 0x42;
}
