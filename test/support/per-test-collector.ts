import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { otlpEnv } from './gateway-process';
import { startOtlpReceiver, type OtlpReceiver } from './otlp-receiver';
import { startUpstream, type Running } from './servers';

/**
 * For end-to-end files: one mock provider for the file, a fresh OTLP receiver for each test, and
 * the environment that points a spawned gateway at both (plus `base`, plus what a test adds).
 */
export function collectorPerTest(base: Record<string, string> = {}): {
  readonly receiver: OtlpReceiver;
  env(extra?: Record<string, string>): Record<string, string>;
} {
  let upstream: Running | undefined;
  let receiver: OtlpReceiver | undefined;
  beforeAll(async () => {
    upstream = await startUpstream();
  });
  afterAll(() => upstream?.close());
  beforeEach(async () => {
    receiver = await startOtlpReceiver();
  });
  afterEach(() => receiver?.close());
  const current = (): OtlpReceiver => {
    if (receiver === undefined) throw new Error('the receiver starts in beforeEach');
    return receiver;
  };
  return {
    get receiver() {
      return current();
    },
    env: (extra = {}) => ({ ...otlpEnv(current().url), UPSTREAM_URL: `${upstream?.url}/provider`, ...base, ...extra }),
  };
}
