import type { Attributes, Histogram, Meter, ObservableResult } from '@opentelemetry/api';
import { credentialsFileStateOf } from '../identity/credentials-file';
import { BUILT_IN_CLIENTS } from '../resolution/clients';
import type { Resolver } from '../resolution/resolver-types';
import { PROVIDERS } from '../resolution/routes';
import { REJECTION_REASONS, type Provider, type Resolution } from '../resolution/types';
import type { Usage, UsageUnavailableReason } from '../usage/types';
import {
  activeMetricAttributes,
  authenticationOf,
  AUTHENTICATIONS,
  durationMetricAttributes,
  interceptionMetricAttributes,
  rejectionMetricAttributes,
  resolverErrorMetricAttributes,
  tokenMetricAttributes,
  usageUnavailableMetricAttributes,
} from './attributes';
import {
  INTERCEPTION_DURATION_BUCKETS,
  MAX_MODELS,
  METRIC_CREDENTIALS_FILE_RELOAD_FAILED,
  METRIC_INTERCEPTION_DURATION,
  METRIC_INTERCEPTIONS,
  METRIC_INTERCEPTIONS_ACTIVE,
  METRIC_OVERRIDE_REJECTIONS,
  METRIC_RESOLVER_ERRORS,
  METRIC_TOKENS,
  METRIC_USAGE_UNAVAILABLE,
  MODEL_OVERFLOW,
} from './semconv';
import { TOKEN_TYPES, tokensByType } from './token-types';

/** The plugin's metrics, recorded once per interception (and its start and end for the active count). */
export interface Instruments {
  /** An interception began: one more in flight. */
  started(provider: Provider): void;
  /** An interception's response closed: one fewer in flight. */
  ended(provider: Provider): void;
  record(resolution: Resolution, provider: Provider, statusCode: number, durationS: number): void;
  /** The tokens of an interception whose usage was read. */
  recordUsage(resolution: Resolution, provider: Provider, model: string | undefined, usage: Usage): void;
  /** A successful interception whose usage could not be read. */
  recordUsageUnavailable(reason: UsageUnavailableReason, client: string, provider: Provider): void;
}

/** Does nothing: what the plugin records with when the instruments could not be created. */
export const NO_INSTRUMENTS: Instruments = {
  started() {},
  ended() {},
  record() {},
  recordUsage() {},
  recordUsageUnavailable() {},
};

/**
 * Cumulative counts per attribute set, reported to the SDK when it collects. A counter's `add`
 * hashes its attributes on every call, which was most of the plugin's per-request cost; here the
 * attribute set is built and hashed once per combination (a few dozen: the attributes are an
 * allow-list of low-cardinality values) and each request only increments a number.
 */
class Tally<K extends string | number> {
  readonly #counts = new Map<K, { readonly attributes: Attributes; value: number }>();

  /** Counts `by` (one by default) for `key`; false when the combination is new and must be started. */
  increment(key: K, by = 1): boolean {
    const entry = this.#counts.get(key);
    if (entry === undefined) return false;
    entry.value += by;
    return true;
  }

  /** A new combination, at `value` (zero reports it before the first count, so a rate sees that one). */
  start(key: K, attributes: Attributes, value: number): void {
    this.#counts.set(key, { attributes: Object.freeze(attributes), value });
  }

  report = (result: ObservableResult): void => {
    for (const { attributes, value } of this.#counts.values()) result.observe(value, attributes);
  };
}

/**
 * Small numbers for the values of one low-cardinality attribute (clients, providers, sources,
 * reasons: closed sets), so that a combination is keyed by one number: building and hashing a
 * string key per request cost more than the counting itself.
 */
class Ordinals {
  readonly #ordinals = new Map<string, number>();

  of(value: string): number {
    let ordinal = this.#ordinals.get(value);
    if (ordinal === undefined) this.#ordinals.set(value, (ordinal = this.#ordinals.size));
    return ordinal;
  }

  has(value: string): boolean {
    return this.#ordinals.has(value);
  }

  get size(): number {
    return this.#ordinals.size;
  }
}

// Radixes of the combination keys: each above the size of its closed set (3 sources, 2 providers,
// 4 rejection reasons, 3 authentications; status codes have three digits).
const SOURCE_RADIX = 4;
const PROVIDER_RADIX = 4;
const REASON_RADIX = 8;
const AUTHENTICATION_RADIX = 4;
const STATUS_RADIX = 1000;
const TOKEN_TYPE_RADIX = 4;
// Admitted models, the overflow, and a response that named none.
const MODEL_RADIX = 128;
const OVERFLOW_ORDINAL = MAX_MODELS;
const NO_MODEL_ORDINAL = MAX_MODELS + 1;

/**
 * `resolvers`: the policy's, so that a credentials file among them reports whether its last reload
 * failed. `clientNames`: every client name the policy can detect, whose rejection series start at zero.
 */
export function createInstruments(
  meter: Meter,
  resolvers: readonly Resolver[] = [],
  clientNames: readonly string[] = BUILT_IN_CLIENTS.names,
): Instruments {
  const clients = new Ordinals();
  const sources = new Ordinals();
  const providers = new Ordinals();
  const reasons = new Ordinals();
  const interceptions = new Tally<number | string>();
  const rejections = new Tally<number>();
  const rejectionKey = (reason: string, client: string, authentication: number) =>
    (clients.of(client) * REASON_RADIX + reasons.of(reason)) * AUTHENTICATION_RADIX + authentication;
  // Prometheus' increase() ignores a series' first sample: a rejection counter born at 1 would let
  // the first spoofed header pass unseen. Every reason, client and authentication starts at zero instead.
  for (const reason of REJECTION_REASONS) {
    for (const client of clientNames) {
      AUTHENTICATIONS.forEach((authentication, ordinal) =>
        rejections.start(
          rejectionKey(reason, client, ordinal),
          rejectionMetricAttributes({ reason, valueLength: 0 }, client, authentication),
          0,
        ),
      );
    }
  }
  // Keyed by string: resolver errors are rare, and resolver names are not a closed set.
  const resolverErrors = new Tally<string>();
  meter
    .createObservableCounter(METRIC_INTERCEPTIONS, {
      description: 'Interceptions (proxied model calls), by how their initiator was decided.',
      unit: '{interception}',
    })
    .addCallback(interceptions.report);
  meter
    .createObservableCounter(METRIC_OVERRIDE_REJECTIONS, {
      description: 'Owner headers present on an interception but not applied, by reason.',
      unit: '{rejection}',
    })
    .addCallback(rejections.report);
  meter
    .createObservableCounter(METRIC_RESOLVER_ERRORS, {
      description:
        'Credentials a resolver knew but could not vouch for (expired or invalid JWT, resolver error or timeout, invalid initiator header).',
      unit: '{error}',
    })
    .addCallback(resolverErrors.report);
  const duration: Histogram = meter.createHistogram(METRIC_INTERCEPTION_DURATION, {
    description: 'Duration of interceptions, from request to the end of the response.',
    unit: 's',
    advice: { explicitBucketBoundaries: [...INTERCEPTION_DURATION_BUCKETS] },
  });
  // By provider ordinal * 2 + override.
  const durationAttributes: Attributes[] = [];

  // Model names come from responses, so anyone upstream can invent them: the first ones seen get
  // their own series, later ones share one.
  const models = new Ordinals();
  const modelOrdinal = (model: string | undefined): number => {
    if (model === undefined) return NO_MODEL_ORDINAL;
    return models.has(model) || models.size < MAX_MODELS ? models.of(model) : OVERFLOW_ORDINAL;
  };
  const unavailableReasons = new Ordinals();
  const tokens = new Tally<number | string>();
  meter
    .createObservableCounter(METRIC_TOKENS, {
      description: 'Tokens of interceptions, as the responses reported them; the token types partition them.',
      unit: '{token}',
    })
    .addCallback(tokens.report);
  const unavailable = new Tally<number>();
  meter
    .createObservableCounter(METRIC_USAGE_UNAVAILABLE, {
      description: 'Successful interceptions whose usage could not be read from the response, by reason.',
      unit: '{interception}',
    })
    .addCallback(unavailable.report);
  // A gauge read when the SDK collects, not a count: the state lasts until a later version loads.
  const credentialsFiles = resolvers.flatMap((resolver) => credentialsFileStateOf(resolver) ?? []);
  if (credentialsFiles.length > 0) {
    meter
      .createObservableGauge(METRIC_CREDENTIALS_FILE_RELOAD_FAILED, {
        description:
          'Credentials files that changed on disk but could not be loaded: the previous version stays in use until one loads.',
        unit: '{file}',
      })
      .addCallback((result) => result.observe(credentialsFiles.filter((file) => file.reloadFailed).length));
  }
  const active = new Tally<number>();
  for (const provider of PROVIDERS) active.start(providers.of(provider), activeMetricAttributes(provider), 0);
  meter
    .createObservableUpDownCounter(METRIC_INTERCEPTIONS_ACTIVE, {
      description: 'Interceptions in flight: request received, response not yet closed.',
      unit: '{interception}',
    })
    .addCallback(active.report);

  return {
    started(provider) {
      active.increment(providers.of(provider), 1);
    },
    ended(provider) {
      active.increment(providers.of(provider), -1);
    },
    recordUsage(resolution, provider, model, usage) {
      const { override, source, client } = resolution;
      const ordinal = modelOrdinal(model);
      const name = ordinal === OVERFLOW_ORDINAL ? MODEL_OVERFLOW : model;
      const combination =
        ((((clients.of(client) * MODEL_RADIX + ordinal) * SOURCE_RADIX + sources.of(source)) * PROVIDER_RADIX +
          providers.of(provider)) *
          2 +
          (override ? 1 : 0)) *
        TOKEN_TYPE_RADIX;
      const counts = tokensByType(usage);
      for (let type = 0; type < TOKEN_TYPES.length; type++) {
        const count = counts[type]!;
        if (!tokens.increment(combination + type, count))
          tokens.start(
            combination + type,
            tokenMetricAttributes(resolution, provider, name, TOKEN_TYPES[type]!),
            count,
          );
      }
    },
    recordUsageUnavailable(reason, client, provider) {
      const key =
        (clients.of(client) * REASON_RADIX + unavailableReasons.of(reason)) * PROVIDER_RADIX + providers.of(provider);
      if (!unavailable.increment(key))
        unavailable.start(key, usageUnavailableMetricAttributes(reason, client, provider), 1);
    },
    record(resolution, provider, statusCode, durationS) {
      const { override, source, client, rejection } = resolution;
      const providerOrdinal = providers.of(provider);
      // Attribute sets are built only for a combination seen for the first time.
      const combination =
        ((clients.of(client) * SOURCE_RADIX + sources.of(source)) * PROVIDER_RADIX + providerOrdinal) * 2 +
        (override ? 1 : 0);
      // Node sends only three-digit codes, but a handler can set anything on a response it destroys.
      const key =
        Number.isInteger(statusCode) && statusCode >= 0 && statusCode < STATUS_RADIX
          ? combination * STATUS_RADIX + statusCode
          : `${combination}|${statusCode}`;
      if (!interceptions.increment(key))
        interceptions.start(key, interceptionMetricAttributes(resolution, provider, statusCode), 1);
      if (rejection !== undefined) {
        const authentication = authenticationOf(resolution, statusCode);
        const key = rejectionKey(rejection.reason, client, AUTHENTICATIONS.indexOf(authentication));
        if (!rejections.increment(key))
          rejections.start(key, rejectionMetricAttributes(rejection, client, authentication), 1);
      }
      for (const error of resolution.resolverErrors) {
        const errorKey = `${error.resolver}|${error.reason}`;
        if (!resolverErrors.increment(errorKey))
          resolverErrors.start(errorKey, resolverErrorMetricAttributes(error), 1);
      }
      const durationKey = providerOrdinal * 2 + (override ? 1 : 0);
      const attributes = (durationAttributes[durationKey] ??= Object.freeze(
        durationMetricAttributes(resolution, provider),
      ));
      duration.record(durationS, attributes);
    },
  };
}
