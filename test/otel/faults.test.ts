import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createNoopMeter, diag, DiagLogLevel, type DiagLogger, type MeterProvider } from '@opentelemetry/api';
import { createTestHarness } from 'aibridge-initiator-otel/testing';
import { CODER_AGENTS_UA, OWNER_A, SERVICE_TOKEN } from '../support/fixtures';
import { gatewayUnderTest, post } from '../support/servers';

const errors: string[] = [];
const capture: DiagLogger = {
  error: (...parts) => errors.push(parts.map(String).join(' ')),
  warn: () => {},
  info: () => {},
  debug: () => {},
  verbose: () => {},
};
diag.setLogger(capture, DiagLogLevel.ERROR);

const harness = createTestHarness({
  credentialResolvers: [
    ({ credential }) => {
      throw new Error(`no such key: ${credential.token} (${encodeURIComponent(credential.token)})`);
    },
  ],
  http: {
    startIncomingSpanHook: () => {
      throw new Error('user start hook broke');
    },
    responseHook: () => {
      throw new Error('user response hook broke');
    },
  },
});
const gateway = gatewayUnderTest(harness);

afterEach(() => {
  harness.reset();
  errors.length = 0;
});
afterAll(() => {
  diag.disable();
});

const headers = {
  'user-agent': CODER_AGENTS_UA,
  authorization: `Bearer ${SERVICE_TOKEN}`,
  'x-coder-owner-id': OWNER_A,
};

describe('faults never reach the gateway', () => {
  it('throwing user hooks are reported through diag and the interception is still attributed', async () => {
    const response = await post(`${gateway.url}/v1/messages`, headers);
    expect(response.status).toBe(200);
    expect(harness.interceptionSpans()[0]?.attributes['enduser.id']).toBe(OWNER_A);
    expect(errors.some((e) => e.includes('startIncomingSpanHook') && e.includes('user start hook broke'))).toBe(true);
    expect(errors.some((e) => e.includes('responseHook') && e.includes('user response hook broke'))).toBe(true);
  });

  it('a meter that cannot even create the instruments is reported, and nothing else changes', async () => {
    harness.instrumentation.setMeterProvider({
      getMeter: (name: string) => (name === 'aibridge-initiator-otel' ? {} : createNoopMeter()),
    } as unknown as MeterProvider);
    const response = await post(`${gateway.url}/v1/messages`, headers);
    expect(response.status).toBe(200);
    expect(harness.interceptionSpans()).toHaveLength(1);
    expect(errors.some((e) => e.includes('creating the metric instruments'))).toBe(true);
  });

  it('a failing metric pipeline is reported through diag; the response and the span are untouched', async () => {
    // Only the plugin's meter is broken: the stock HTTP instrumentation shares the provider.
    const broken = {
      getMeter: (name: string) =>
        name !== 'aibridge-initiator-otel'
          ? createNoopMeter()
          : {
              createObservableCounter: () => ({ addCallback: () => {} }),
              createObservableUpDownCounter: () => ({ addCallback: () => {} }),
              createHistogram: () => ({
                record: () => {
                  throw new Error('histogram exploded');
                },
              }),
            },
    } as unknown as MeterProvider;
    harness.instrumentation.setMeterProvider(broken);
    const response = await post(`${gateway.url}/v1/messages`, headers);
    // The close listener runs after the response is sent; wait for the span to end.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(response.status).toBe(200);
    expect(response.text).toContain('resp-1');
    expect(harness.interceptionSpans()).toHaveLength(1);
    expect(errors.some((e) => e.includes('recording interception metrics') && e.includes('histogram exploded'))).toBe(
      true,
    );
  });

  it('a throwing credential resolver is recorded on the span and counted, without its message; the fingerprint stands', async () => {
    await post(`${gateway.url}/v1/messages`, { ...headers, 'x-coder-owner-id': 'nope' });
    const span = harness.interceptionSpans()[0];
    expect(span?.attributes['enduser.id']).toMatch(/^key-[0-9a-f]{16}$/);
    expect(span?.attributes['initiator.credential.error']).toBe('custom_error');
    expect(
      await harness.counterValue('aibridge.initiator.resolver.errors', { resolver: 'custom', reason: 'error' }),
    ).toBe(1);
    const everything = JSON.stringify([
      harness.finishedSpans().map((s) => [s.attributes, s.events]),
      await harness.metricPoints(),
      errors,
    ]);
    expect(everything).not.toContain(SERVICE_TOKEN);
    expect(everything).not.toContain(encodeURIComponent(SERVICE_TOKEN));
  });
});
