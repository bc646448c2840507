import type { Resolver } from '../resolution/resolver-types';

/**
 * The initiator named by a trusted auth proxy in front of the gateway (oauth2-proxy style). Only
 * safe when that proxy strips the header from what clients send. A repeated header is refused:
 * Node hands it over joined with ", " (a comma is never part of a valid value here), and which copy
 * the proxy set cannot be told. The value itself is checked by the resolver chain, as every
 * resolver's answer is; a bad one is reported as `invalid`.
 */
export function initiatorHeaderResolver(headerName: string): Resolver {
  const name = headerName.toLowerCase();
  return {
    name: 'initiator_header',
    resolve({ headers }) {
      const value: unknown = headers[name];
      if (value === undefined) return undefined;
      if (typeof value !== 'string' || value.includes(',')) return { failure: 'invalid' };
      return { initiator: value, mayDelegate: false };
    },
  };
}
