import http from 'node:http';
import { listen, type Running } from './servers';

type AnyValue = { stringValue?: string; boolValue?: boolean; intValue?: string | number; doubleValue?: number };
interface KeyValue {
  key: string;
  value: AnyValue;
}

export interface ReceivedSpan {
  name: string;
  kind: number;
  spanId: string;
  parentSpanId?: string;
  traceId: string;
  attributes: Record<string, string | boolean | number>;
  events: { name: string; attributes: Record<string, string | boolean | number> }[];
}

export interface ReceivedPoint {
  metric: string;
  attributes: Record<string, string | boolean | number>;
  value: number;
}

/** A loopback OTLP/HTTP JSON receiver: what a collector would get, decoded for assertions. */
export interface OtlpReceiver extends Running {
  readonly spans: ReceivedSpan[];
  /** Every request body as received, for scanning. */
  readonly rawBodies: string[];
  /** Data points of the latest metrics export (cumulative values). */
  latestPoints(): ReceivedPoint[];
  /** Sum of a counter's latest points whose attributes include `match`. */
  counter(metric: string, match?: Record<string, string | boolean | number>): number;
}

function flatten(attributes: KeyValue[] | undefined): Record<string, string | boolean | number> {
  const out: Record<string, string | boolean | number> = {};
  for (const { key, value } of attributes ?? []) {
    if (value.stringValue !== undefined) out[key] = value.stringValue;
    else if (value.boolValue !== undefined) out[key] = value.boolValue;
    else if (value.intValue !== undefined) out[key] = Number(value.intValue);
    else if (value.doubleValue !== undefined) out[key] = value.doubleValue;
  }
  return out;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const rawBodies: string[] = [];
  let points: ReceivedPoint[] = [];

  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      rawBodies.push(body);
      const payload = JSON.parse(body || '{}');
      if (req.url === '/v1/traces') {
        for (const rs of payload.resourceSpans ?? [])
          for (const ss of rs.scopeSpans ?? [])
            for (const span of ss.spans ?? [])
              spans.push({
                name: span.name,
                kind: span.kind,
                spanId: span.spanId,
                parentSpanId: span.parentSpanId || undefined,
                traceId: span.traceId,
                attributes: flatten(span.attributes),
                events: (span.events ?? []).map((e: { name: string; attributes?: KeyValue[] }) => ({ name: e.name, attributes: flatten(e.attributes) })),
              });
      } else if (req.url === '/v1/metrics') {
        const latest: ReceivedPoint[] = [];
        for (const rm of payload.resourceMetrics ?? [])
          for (const sm of rm.scopeMetrics ?? [])
            for (const metric of sm.metrics ?? []) {
              const dataPoints = metric.sum?.dataPoints ?? metric.histogram?.dataPoints ?? [];
              for (const dp of dataPoints) {
                const value = dp.asInt !== undefined ? Number(dp.asInt) : dp.asDouble ?? Number(dp.count ?? 0);
                latest.push({ metric: metric.name, attributes: flatten(dp.attributes), value });
              }
            }
        if (latest.length > 0) points = latest;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  const running = await listen(server);
  return {
    ...running,
    spans,
    rawBodies,
    latestPoints: () => points,
    counter(metric, match = {}) {
      return points
        .filter((p) => p.metric === metric && Object.entries(match).every(([k, v]) => p.attributes[k] === v))
        .reduce((sum, p) => sum + p.value, 0);
    },
  };
}
