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

const PROVIDERS: readonly Provider[] = ['openai', 'anthropic'];

/** Routes compiled for lookup: lowercase path without trailing slash, to its provider. */
export type RouteTable = ReadonlyMap<string, Provider>;

/** Thrown for a route that cannot be used; `message` says which and why. */
export class RouteError extends Error {
  override name = 'RouteError';
}

/** The provider implied by an API path's last segments, or undefined when the shape is unknown. */
export function providerFromPath(path: string): Provider | undefined {
  if (path.endsWith('/chat/completions') || path.endsWith('/responses')) return 'openai';
  if (path.endsWith('/messages')) return 'anthropic';
  return undefined;
}

/**
 * Compiles route specs into a lookup table. A spec is a path (`/v1/messages`), or a path with an
 * explicit provider (`/llm/complete=openai`) for paths whose shape does not tell.
 */
export function compileRoutes(specs: readonly string[]): RouteTable {
  const table = new Map<string, Provider>();
  for (const spec of specs) {
    const [rawPath = '', explicit, ...extra] = spec.split('=');
    const path = normalisePath(rawPath);
    if (extra.length > 0) throw new RouteError(`route "${spec}" has more than one "="`);
    if (!/^\/[\x21-\x7e]*$/.test(rawPath) || /[?#]/.test(rawPath)) {
      throw new RouteError(`route "${spec}" must be a path starting with "/", without spaces, query or fragment`);
    }
    let provider: Provider | undefined;
    if (explicit === undefined) {
      provider = providerFromPath(path);
      if (provider === undefined) {
        throw new RouteError(
          `route "${spec}" does not end in /chat/completions, /responses or /messages; name its provider as "${rawPath}=openai" or "${rawPath}=anthropic"`,
        );
      }
    } else {
      provider = PROVIDERS.find((p) => p === explicit);
      if (provider === undefined) throw new RouteError(`route "${spec}" names unknown provider "${explicit}" (openai or anthropic)`);
    }
    table.set(path, provider);
  }
  return table;
}

// Gateways commonly route without regard to case or a trailing slash; matching the same way keeps
// "/V1/Messages/" from passing through unattributed.
function normalisePath(path: string): string {
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
