/**
 * The HTTP instrumentation patches `http` and `https` when they are first required; an ESM host
 * imports them instead, which the require hook never sees. Requiring them once the
 * instrumentation is enabled patches them for every importer.
 */
export function requireHttpModules(): void {
  require('node:http');
  require('node:https');
}
