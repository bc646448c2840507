/**
 * The HTTP instrumentation patches `http` and `https` when they are first required; an ESM host
 * imports them instead, which the require hook never sees. Requiring them once the
 * instrumentation is enabled patches them for every importer.
 */
export function requireHttpModules(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loading is the point: the require hook patches on load
  require('node:http');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- as above
  require('node:https');
}
