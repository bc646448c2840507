import { diag } from '@opentelemetry/api';

/** The plugin's diag logger. */
export const pluginDiag = diag.createComponentLogger({ namespace: 'aibridge-initiator-otel' });

/**
 * Reports a fault inside the plugin through diag. Callers catch and carry on: a fault in the
 * plugin must never reach the gateway. Only the error's name and message are logged.
 */
export function reportFault(what: string, error: unknown): void {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  pluginDiag.error(`fault while ${what}; the request goes on untouched: ${detail}`);
}

/** Where a policy's notices after start (credentials file reloads) go. */
export function reportToDiag(level: 'info' | 'warn', message: string): void {
  if (level === 'warn') pluginDiag.warn(message);
  else pluginDiag.info(message);
}
