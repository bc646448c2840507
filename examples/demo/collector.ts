import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type AttributeValue = string | boolean | number;

export interface CollectedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly name: string;
  /** OTLP span kind: 2 server, 3 client. */
  readonly kind: number;
  /** From start to end, in milliseconds. */
  readonly durationMs: number;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  readonly events: readonly { name: string; attributes: Readonly<Record<string, AttributeValue>> }[];
}

/** A log record, such as an interception record (`eventName` `aibridge.interception`). */
export interface CollectedRecord {
  readonly eventName: string | undefined;
  readonly traceId: string | undefined;
  readonly spanId: string | undefined;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
}

export interface CollectedPoint {
  readonly metric: string;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  /** The counter's value, or the histogram's count. */
  readonly value: number;
}

export interface CollectorOptions {
  /** Where to pass every export on to as well (a Jaeger or collector's OTLP/HTTP base URL), if anything. */
  readonly forwardTo?: string;
  /** Called for each span as it arrives. */
  readonly onSpan?: (span: CollectedSpan) => void;
}

/**
 * A small OTLP/HTTP receiver for JSON exports (`OTEL_EXPORTER_OTLP_PROTOCOL=http/json`): it keeps
 * what it receives, decoded, so it can be read back, and can pass everything on to a real backend.
 */
export class Collector {
  readonly spans: CollectedSpan[] = [];
  readonly records: CollectedRecord[] = [];
  /** Request bodies as received. */
  readonly rawBodies: string[] = [];
  /** Exports passed on, and failures to. */
  forwarded = 0;
  forwardFailures = 0;
  #points: CollectedPoint[] = [];
  readonly #server: Server;
  readonly #options: CollectorOptions;

  constructor(options: CollectorOptions = {}) {
    this.#options = options;
    this.#server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        const path = req.url ?? '';
        this.rawBodies.push(body);
        let status = 200;
        try {
          this.#accept(path, JSON.parse(body || '{}') as OtlpPayload);
          if (options.forwardTo !== undefined) this.#forward(path, body);
        } catch {
          status = 400;
        }
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
  }

  /** Listens on loopback; resolves with the base URL to point `OTEL_EXPORTER_OTLP_ENDPOINT` at. */
  listen(port = 0): Promise<string> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, '127.0.0.1', () => {
        this.#server.unref();
        resolve(`http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.closeAllConnections();
      this.#server.close(() => resolve());
    });
  }

  /** Data points of the latest metrics export (cumulative values). */
  latestPoints(): readonly CollectedPoint[] {
    return this.#points;
  }

  #accept(path: string, payload: OtlpPayload): void {
    if (path === '/v1/traces') {
      for (const resource of payload.resourceSpans ?? [])
        for (const scope of resource.scopeSpans ?? [])
          for (const span of scope.spans ?? []) {
            const collected: CollectedSpan = {
              traceId: span.traceId,
              spanId: span.spanId,
              parentSpanId: span.parentSpanId || undefined,
              name: span.name,
              kind: span.kind,
              durationMs: (Number(span.endTimeUnixNano) - Number(span.startTimeUnixNano)) / 1e6,
              attributes: flatten(span.attributes),
              events: (span.events ?? []).map((event) => ({ name: event.name, attributes: flatten(event.attributes) })),
            };
            this.spans.push(collected);
            this.#options.onSpan?.(collected);
          }
    } else if (path === '/v1/logs') {
      for (const resource of payload.resourceLogs ?? [])
        for (const scope of resource.scopeLogs ?? [])
          for (const record of scope.logRecords ?? []) {
            this.records.push({
              eventName: record.eventName,
              traceId: record.traceId || undefined,
              spanId: record.spanId || undefined,
              attributes: flatten(record.attributes),
            });
          }
    } else if (path === '/v1/metrics') {
      const points: CollectedPoint[] = [];
      for (const resource of payload.resourceMetrics ?? [])
        for (const scope of resource.scopeMetrics ?? [])
          for (const metric of scope.metrics ?? [])
            for (const point of metric.sum?.dataPoints ?? metric.histogram?.dataPoints ?? []) {
              const value = point.asInt ?? point.asDouble ?? point.count ?? 0;
              points.push({ metric: metric.name, attributes: flatten(point.attributes), value: Number(value) });
            }
      if (points.length > 0) this.#points = points;
    }
  }

  #forward(path: string, body: string): void {
    const target = new URL(path, this.#options.forwardTo);
    const forward = request(target, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      if ((res.statusCode ?? 500) < 300) this.forwarded += 1;
      else this.forwardFailures += 1;
    });
    forward.on('error', () => (this.forwardFailures += 1));
    forward.end(body);
  }
}

interface OtlpKeyValue {
  key: string;
  value: { stringValue?: string; boolValue?: boolean; intValue?: string | number; doubleValue?: number };
}
interface OtlpPayload {
  resourceLogs?: {
    scopeLogs?: {
      logRecords?: { eventName?: string; traceId?: string; spanId?: string; attributes?: OtlpKeyValue[] }[];
    }[];
  }[];
  resourceSpans?: {
    scopeSpans?: {
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number;
        startTimeUnixNano: string | number;
        endTimeUnixNano: string | number;
        attributes?: OtlpKeyValue[];
        events?: { name: string; attributes?: OtlpKeyValue[] }[];
      }[];
    }[];
  }[];
  resourceMetrics?: {
    scopeMetrics?: {
      metrics?: {
        name: string;
        sum?: { dataPoints?: OtlpPoint[] };
        histogram?: { dataPoints?: OtlpPoint[] };
      }[];
    }[];
  }[];
}
interface OtlpPoint {
  attributes?: OtlpKeyValue[];
  asInt?: string | number;
  asDouble?: number;
  count?: string | number;
}

function flatten(attributes: OtlpKeyValue[] | undefined): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const { key, value } of attributes ?? []) {
    if (value.stringValue !== undefined) out[key] = value.stringValue;
    else if (value.boolValue !== undefined) out[key] = value.boolValue;
    else if (value.intValue !== undefined) out[key] = Number(value.intValue);
    else if (value.doubleValue !== undefined) out[key] = value.doubleValue;
  }
  return out;
}
