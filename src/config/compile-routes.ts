import { normalisePath, providerFromPath, PROVIDERS, type RouteTable } from '../resolution/routes';
import type { Provider } from '../resolution/types';
import { ConfigError } from '../config-error';

/**
 * Compiles route specs into a lookup table. A spec is a path (`/v1/messages`), or a path with an
 * explicit provider (`/llm/complete=openai`) for paths whose shape does not tell. Throws
 * `ConfigError` labelled `label` for a spec that cannot be used.
 */
export function compileRoutes(label: string, specs: readonly string[]): RouteTable {
  if (specs.length === 0) throw new ConfigError(label, 'needs at least one route');
  const table = new Map<string, Provider>();
  for (const spec of specs) {
    const [rawPath = '', explicit, ...extra] = spec.split('=');
    if (extra.length > 0) throw new ConfigError(label, `route "${spec}" has more than one "="`);
    if (!/^\/[\x21-\x7e]*$/.test(rawPath) || /[?#]/.test(rawPath)) {
      throw new ConfigError(
        label,
        `route "${spec}" must be a path starting with "/", without spaces, query or fragment`,
      );
    }
    const path = normalisePath(rawPath);
    const provider = explicit === undefined ? providerFromPath(path) : PROVIDERS.find((p) => p === explicit);
    if (provider === undefined) {
      throw new ConfigError(
        label,
        explicit === undefined
          ? `route "${spec}" does not end in /chat/completions, /responses or /messages; name its provider as "${rawPath}=openai" or "${rawPath}=anthropic"`
          : `route "${spec}" names unknown provider "${explicit}" (openai or anthropic)`,
      );
    }
    table.set(path, provider);
  }
  return table;
}
