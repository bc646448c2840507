import type { IncomingMessage } from 'node:http';
import { getStringListFromEnv, getNumberFromEnv } from '@opentelemetry/core';

/** The Prometheus exporter's default port, from the OTel specification. */
const DEFAULT_PROMETHEUS_PORT = 9464;

/**
 * A predicate for requests to the plugin's own Prometheus endpoint, when that exporter is
 * configured: scrapes are not traffic, so they get no span and are never counted.
 */
export function ownScrapeFilter(): ((request: IncomingMessage) => boolean) | undefined {
  const exporters = getStringListFromEnv('OTEL_METRICS_EXPORTER') ?? [];
  if (!exporters.includes('prometheus')) return undefined;
  const port = getNumberFromEnv('OTEL_EXPORTER_PROMETHEUS_PORT') ?? DEFAULT_PROMETHEUS_PORT;
  return (request) => request.socket?.localPort === port;
}
