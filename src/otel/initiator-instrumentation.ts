import type { IncomingMessage, ServerResponse } from 'node:http';
import { metrics, type Attributes, type MeterProvider, type Span } from '@opentelemetry/api';
import { HttpInstrumentation, type HttpInstrumentationConfig } from '@opentelemetry/instrumentation-http';
import { createPolicy, type InitiatorOptions } from '../resolution/policy';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../version';
import { reportFault } from './guard';
import { createInstruments } from './instruments';
import { InterceptionHooks } from './interception-hooks';

/** Options of `InitiatorInstrumentation`: how to resolve, plus any HTTP instrumentation config. */
export interface InitiatorInstrumentationConfig extends InitiatorOptions {
  /**
   * Passed to `HttpInstrumentation`. Your hooks still run, after the plugin's, and
   * `ignoreIncomingRequestHook` is honoured.
   * @default {}
   */
  readonly http?: HttpInstrumentationConfig;
}

const COMPOSED = Symbol('aibridge-initiator-otel.composed');
type ComposedConfig = HttpInstrumentationConfig & { [COMPOSED]?: true };

/**
 * The HTTP instrumentation with initiator resolution: every interception's server span carries
 * its initiator, children carry `enduser.id` (with `InitiatorSpanProcessor`), and the plugin's
 * metrics are recorded.
 *
 * @example
 * const sdk = new NodeSDK({
 *   instrumentations: [new InitiatorInstrumentation({ trustedInitiators: ['key-1a2b3c4d5e6f7a8b'] })],
 *   spanProcessors: [new InitiatorSpanProcessor(), new BatchSpanProcessor({ exporter })],
 * });
 */
export class InitiatorInstrumentation extends HttpInstrumentation {
  readonly #hooks: InterceptionHooks;

  constructor(config: InitiatorInstrumentationConfig = {}) {
    const hooks = new InterceptionHooks(createPolicy(config), createInstruments(meterOf(metrics.getMeterProvider())));
    super(compose(hooks, config.http ?? {}));
    this.#hooks = hooks;
  }

  override setMeterProvider(meterProvider: MeterProvider): void {
    super.setMeterProvider(meterProvider);
    this.#hooks.instruments = createInstruments(meterOf(meterProvider));
  }

  override setConfig(config: HttpInstrumentationConfig = {}): void {
    // The base constructor calls this before `#hooks` exists, with a config composed already.
    super.setConfig((config as ComposedConfig)[COMPOSED] ? config : compose(this.#hooks, config));
  }
}

function meterOf(provider: MeterProvider) {
  return provider.getMeter(PACKAGE_NAME, PACKAGE_VERSION);
}

function compose(hooks: InterceptionHooks, user: HttpInstrumentationConfig): ComposedConfig {
  const { startIncomingSpanHook, responseHook } = user;
  return {
    ...user,
    [COMPOSED]: true,
    startIncomingSpanHook: (request: IncomingMessage): Attributes => {
      const ours = hooks.onRequestStart(request);
      if (startIncomingSpanHook === undefined) return ours;
      const theirs = callUserHook('startIncomingSpanHook', () => startIncomingSpanHook(request));
      // The plugin's attributes win: a user hook must not be able to forge an initiator.
      return theirs === undefined ? ours : { ...theirs, ...ours };
    },
    responseHook: (span: Span, response: IncomingMessage | ServerResponse): void => {
      hooks.onSpanStarted(span, response as ServerResponse);
      if (responseHook !== undefined) callUserHook('responseHook', () => responseHook(span, response));
    },
  };
}

function callUserHook<T>(name: string, hook: () => T): T | undefined {
  try {
    return hook();
  } catch (error) {
    reportFault(`running the user's ${name}`, error);
    return undefined;
  }
}
