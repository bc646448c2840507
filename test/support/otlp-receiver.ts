import { Collector, type AttributeValue, type CollectedSpan } from '../../examples/demo/collector';
import { recordOutput } from './scan';

export type ReceivedSpan = CollectedSpan;

/** A loopback OTLP/HTTP JSON receiver: what a collector would get, decoded for assertions. */
export interface OtlpReceiver {
  readonly url: string;
  readonly spans: readonly ReceivedSpan[];
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
