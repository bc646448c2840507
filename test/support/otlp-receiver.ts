import {
  Collector,
  type AttributeValue,
  type CollectedRecord,
  type CollectedSpan,
} from '../../examples/demo/collector';
import { recordOutput } from './scan';

export type ReceivedSpan = CollectedSpan;
export type ReceivedRecord = CollectedRecord;

/** A loopback OTLP/HTTP JSON receiver: what a collector would get, decoded for assertions. */
export interface OtlpReceiver {
  readonly url: string;
  readonly spans: readonly ReceivedSpan[];
  /** Interception records (log records named `aibridge.interception`). */
  readonly records: readonly ReceivedRecord[];
  /** Every request body as received, for scanning. */
  readonly rawBodies: readonly string[];
  /** Sum of a counter's latest points (or a histogram's counts) whose attributes include `match`. */
  counter(metric: string, match?: Record<string, AttributeValue>): number;
  close(): Promise<void>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const collector = new Collector();
  const url = await collector.listen();
  return {
    url,
    spans: collector.spans,
    get records() {
      return collector.records.filter((record) => record.eventName === 'aibridge.interception');
    },
    rawBodies: collector.rawBodies,
    counter: (metric, match = {}) =>
      collector
        .latestPoints()
        .filter((p) => p.metric === metric && Object.entries(match).every(([k, v]) => p.attributes[k] === v))
        .reduce((sum, p) => sum + p.value, 0),
    close: () => {
      recordOutput('otlp', collector.rawBodies.join('\n'));
      return collector.close();
    },
  };
}
