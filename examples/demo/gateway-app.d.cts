import type * as http from 'node:http';
import type * as https from 'node:https';

/** POSTs to `prefix` or under it go to `upstream`, the rest of the path and the query appended. */
export interface Route {
  /** '' takes every path. */
  readonly prefix: string;
  readonly upstream: string;
  /** Sent to the provider with every call: the gateway's own key. */
  readonly headers?: Readonly<Record<string, string>>;
}

export function createGateway(
  modules: { http: typeof http; https?: typeof https },
  options: { routes: readonly Route[]; onInterception?: (req: http.IncomingMessage) => void },
): http.Server;
