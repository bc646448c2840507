import type { Resolver } from '../resolution/resolver-types';

/** Longest initiator ID an auth proxy's header may carry. */
export const MAX_INITIATOR_HEADER_LENGTH = 256;

// Printable ASCII, no surrounding spaces: an identity, not free text.
const PRINTABLE_ID = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

/**
 * The initiator named by a trusted auth proxy in front of the gateway (oauth2-proxy style). Only
 * safe when that proxy strips the header from what clients send. A bad value (empty, too long,
 * not printable, repeated) is treated as absent and reported as `invalid`.
 */
export function initiatorHeaderResolver(headerName: string): Resolver {
  const name = headerName.toLowerCase();
  return {
    name: 'initiator_header',
    resolve({ headers }) {
      const value: unknown = headers[name];
      if (value === undefined) return undefined;
      if (typeof value !== 'string' || value.length > MAX_INITIATOR_HEADER_LENGTH || !PRINTABLE_ID.test(value)) {
        return { failure: 'invalid' };
      }
      return { initiator: value, mayDelegate: false };
    },
  };
}
