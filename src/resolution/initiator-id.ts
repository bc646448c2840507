/** Longest initiator ID accepted from any resolver or credentials file. */
export const MAX_INITIATOR_ID_LENGTH = 256;

const PRINTABLE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

/**
 * An initiator ID is an identity, not free text: printable ASCII, 1 to 256 characters, no
 * surrounding spaces. It becomes `enduser.id`, so it must be bounded and safe to show.
 */
export function isValidInitiatorId(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_INITIATOR_ID_LENGTH && PRINTABLE.test(value);
}
