/** Longest conversation ID kept; a longer one is omitted rather than cut (a cut ID would name another session). */
export const MAX_CONVERSATION_ID_LENGTH = 256;

const PRINTABLE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

/**
 * The client's session, from the value of its session header: one printable value of at most 256
 * characters, or undefined (absent, repeated, empty, too long or not printable: a session ID that
 * cannot be trusted to group anything is better left out).
 */
export function conversationIdOf(value: string | readonly string[] | undefined): string | undefined {
  const single = typeof value === 'string' ? value : value?.length === 1 ? value[0] : undefined;
  if (single === undefined) return undefined;
  return single.length <= MAX_CONVERSATION_ID_LENGTH && PRINTABLE.test(single) ? single : undefined;
}

/**
 * The session named by the first of a client's session headers that `request` carries (`valueOf`
 * reads one header's values from it): the one sent counts, even when it is unusable and a later one
 * would do, so that a client sending both never has its session chosen by which one is well-formed.
 */
export function conversationFrom<R>(
  headers: readonly string[],
  request: R,
  valueOf: (request: R, header: string) => string | readonly string[] | undefined,
): string | undefined {
  for (const header of headers) {
    const value = valueOf(request, header);
    if (value !== undefined) return conversationIdOf(value);
  }
  return undefined;
}
