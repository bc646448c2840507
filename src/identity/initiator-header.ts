import type { Resolver } from '../resolution/resolver-types';

/** Longest initiator ID an auth proxy's header may carry. */
export const MAX_INITIATOR_HEADER_LENGTH = 256;

// Printable ASCII without commas, no surrounding spaces: an identity, not free text. A comma is
// how a repeated header arrives (Node joins the copies with ", "): ambiguous, so refused.
const PRINTABLE_ID = /^[\x21-\x2b\x2d-\x7e](?:[\x20-\x2b\x2d-\x7e]*[\x21-\x2b\x2d-\x7e])?$/;

/**
 * The initiator named by a trusted auth proxy in front of the gateway (oauth2-proxy style). Only
 * safe when that proxy strips the header from what clients send. A bad value (empty, too long,
 * not printable, holding a comma, repeated) is treated as absent and reported as `invalid`.
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
