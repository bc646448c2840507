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
 * What a request is looked up by in the route table: its path without the query string, normalised;
 * undefined when it cannot be an interception (only POSTs are).
 */
export function interceptionPath(method: string | undefined, url: string | undefined): string | undefined {
  if (method !== 'POST' || typeof url !== 'string') return undefined;
  const queryAt = url.indexOf('?');
  return normalisePath(queryAt === -1 ? url : url.slice(0, queryAt));
}

/** The provider of an interception, or undefined when the request is not one. */
export function interceptionProvider(
  method: string | undefined,
  url: string | undefined,
  routes: RouteTable,
): Provider | undefined {
  const path = interceptionPath(method, url);
  return path === undefined ? undefined : routes.get(path);
}
