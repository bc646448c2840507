import type { Provider } from './types';

/** The interception routes used when none are configured. */
export const DEFAULT_INTERCEPTION_ROUTES: readonly string[] = [
  '/openai/v1/chat/completions',
  '/openai/v1/responses',
  '/anthropic/v1/messages',
  '/v1/chat/completions',
  '/v1/responses',
  '/v1/messages',
];

/** Every provider a route can name. */
export const PROVIDERS: readonly Provider[] = ['openai', 'anthropic'];

/** Routes compiled for lookup: lowercase path without trailing slash, to its provider. */
export type RouteTable = ReadonlyMap<string, Provider>;

/** The provider implied by an API path's last segments, or undefined when the shape is unknown. */
export function providerFromPath(path: string): Provider | undefined {
  if (path.endsWith('/chat/completions') || path.endsWith('/responses')) return 'openai';
  if (path.endsWith('/messages')) return 'anthropic';
  return undefined;
}

// Gateways commonly route without regard to case or a trailing slash; matching the same way keeps
// "/V1/Messages/" from passing through unattributed.
export function normalisePath(path: string): string {
  const lower = path.toLowerCase();
  return lower.length > 1 && lower.endsWith('/') ? lower.slice(0, -1) : lower;
}

/**
 * The provider of an interception, or undefined when the request is not one: only POSTs to a
 * configured route are interceptions. The query string is ignored.
 */
export function interceptionProvider(
  method: string | undefined,
  url: string | undefined,
  routes: RouteTable,
): Provider | undefined {
  if (method !== 'POST' || typeof url !== 'string') return undefined;
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  return routes.get(normalisePath(path));
}
