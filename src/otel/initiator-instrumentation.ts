import type { IncomingMessage, ServerResponse } from 'node:http';
import { metrics, type Attributes, type LoggerProvider, type MeterProvider, type Span } from '@opentelemetry/api';
import { HttpInstrumentation, type HttpInstrumentationConfig } from '@opentelemetry/instrumentation-http';
import { createPolicy, OPTION_LABELS } from '../config/create-policy';
import type { InitiatorPolicy } from '../resolution/policy';
import type { InitiatorInstrumentationConfig } from '../types';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../version';
import { pluginDiag, reportFault, reportToDiag } from './plugin-diag';
import { createInstruments, NO_INSTRUMENTS, type Instruments } from './instruments';
import { InterceptionHooks, NO_ATTRIBUTES } from './interception-hooks';

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
    const policy = config.policy ?? createPolicy(config, OPTION_LABELS, reportToDiag);
    const hooks = new InterceptionHooks(policy, instrumentsOf(metrics.getMeterProvider(), policy));
    hooks.alwaysSample = config.alwaysSample ?? 'rejections';
    super(compose(hooks, config.http ?? {}));
    this.#hooks = hooks;
  }

  override setLoggerProvider(loggerProvider: LoggerProvider): void {
    super.setLoggerProvider(loggerProvider);
    this.#hooks.logger = loggerProvider.getLogger(PACKAGE_NAME, PACKAGE_VERSION);
  }

  override setMeterProvider(meterProvider: MeterProvider): void {
    super.setMeterProvider(meterProvider);
    this.#hooks.instruments = instrumentsOf(meterProvider, this.#hooks.policy);
  }

  override setConfig(config: HttpInstrumentationConfig = {}): void {
    // The base constructor calls this before `#hooks` exists, with a config composed already.
    super.setConfig((config as ComposedConfig)[COMPOSED] ? config : compose(this.#hooks, config));
  }
}

function instrumentsOf(provider: MeterProvider, policy: InitiatorPolicy): Instruments {
  try {
    return createInstruments(provider.getMeter(PACKAGE_NAME, PACKAGE_VERSION), policy.resolvers, policy.clients.names);
  } catch (error) {
    reportFault('creating the metric instruments; interceptions are not counted', error);
    return NO_INSTRUMENTS;
  }
}

function compose(hooks: InterceptionHooks, user: HttpInstrumentationConfig): ComposedConfig {
  const { startIncomingSpanHook, responseHook, headersToSpanAttributes } = user;
  return {
    ...user,
    [COMPOSED]: true,
    ...(headersToSpanAttributes !== undefined && {
      headersToSpanAttributes: withoutSecretHeaders(headersToSpanAttributes, hooks.policy.ownerHeader),
    }),
    startIncomingSpanHook: (request: IncomingMessage): Attributes => {
      const ours = hooks.onRequestStart(request);
      if (startIncomingSpanHook === undefined) return ours;
      const theirs = callUserHook('startIncomingSpanHook', () => startIncomingSpanHook(request));
      if (theirs === undefined) return ours;
      return ours === NO_ATTRIBUTES ? theirs : { ...withoutPluginKeys(theirs), ...ours };
    },
    responseHook: (span: Span, response: IncomingMessage | ServerResponse): void => {
      hooks.onSpanStarted(span, response);
      if (responseHook !== undefined) callUserHook('responseHook', () => responseHook(span, response));
    },
  };
}

// A user hook must not be able to forge or fill in the initiator of an interception.
function withoutPluginKeys(attributes: Attributes): Attributes {
  const kept: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (!PLUGIN_KEY.test(key)) kept[key] = value;
  }
  return kept;
}
const PLUGIN_KEY = /^(?:enduser\.id$|initiator\.|aibridge\.)/;

type HeaderCapture = NonNullable<HttpInstrumentationConfig['headersToSpanAttributes']>;
const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'x-api-key', 'cookie', 'set-cookie'];

/** Header capture without the credentials (either direction) or the owner header's raw value. */
function withoutSecretHeaders(capture: HeaderCapture, ownerHeader: string): HeaderCapture {
  const secret = new Set([...CREDENTIAL_HEADERS, ownerHeader]);
  const keep = (names: string[] | undefined): string[] => {
    const kept = (names ?? []).filter((name) => !secret.has(name.toLowerCase()));
    if (kept.length !== (names ?? []).length) {
      pluginDiag.warn(
        'headersToSpanAttributes: credential and owner headers are never captured; they were dropped from the list',
      );
    }
    return kept;
  };
  return {
    ...(capture.client && {
      client: {
        requestHeaders: keep(capture.client.requestHeaders),
        responseHeaders: keep(capture.client.responseHeaders),
      },
    }),
    ...(capture.server && {
      server: {
        requestHeaders: keep(capture.server.requestHeaders),
        responseHeaders: keep(capture.server.responseHeaders),
      },
    }),
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
