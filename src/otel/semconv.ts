// Names not in the stable semantic conventions are kept here, as contrib packages do: the
// conventions package asks not to import its incubating entry point at runtime.

/** The initiator of an interception (incubating in the semantic conventions). */
export const ATTR_ENDUSER_ID = 'enduser.id' as const;

// GenAI names, from semantic-conventions 1.45's incubating entry.
export const ATTR_GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name' as const;
export const ATTR_GEN_AI_CONVERSATION_ID = 'gen_ai.conversation.id' as const;
export const ATTR_GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model' as const;
export const ATTR_GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens' as const;
export const ATTR_GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens' as const;
export const ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS = 'gen_ai.usage.cache_read.input_tokens' as const;
export const ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS = 'gen_ai.usage.cache_creation.input_tokens' as const;
export const ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS = 'gen_ai.usage.reasoning.output_tokens' as const;
/** On `aibridge.tokens`: `input` (uncached), `cache_read`, `cache_creation`, `output`; a partition of the tokens. */
export const ATTR_GEN_AI_TOKEN_TYPE = 'gen_ai.token.type' as const;

export const ATTR_INITIATOR_OVERRIDE = 'initiator.override' as const;
export const ATTR_INITIATOR_SOURCE = 'initiator.source' as const;
export const ATTR_INITIATOR_CREDENTIAL_ID = 'initiator.credential_id' as const;
/** Why a resolver that knew the credential could not vouch for it, e.g. `jwt_expired`. */
export const ATTR_INITIATOR_CREDENTIAL_ERROR = 'initiator.credential.error' as const;
export const ATTR_INITIATOR_OVERRIDE_REJECTED_REASON = 'initiator.override.rejected_reason' as const;
/** On the rejection event: the header value's length, never the value. */
export const ATTR_INITIATOR_OVERRIDE_VALUE_LENGTH = 'initiator.override.value_length' as const;
export const ATTR_AIBRIDGE_CLIENT = 'aibridge.client' as const;
/** The response is a stream of server-sent events. */
export const ATTR_AIBRIDGE_STREAMING = 'aibridge.streaming' as const;
/** On the interception record: seconds from request to the end of the response. */
export const ATTR_AIBRIDGE_INTERCEPTION_DURATION = 'aibridge.interception.duration' as const;
/** On the interception record, when true: the process exited while the response was still being sent. */
export const ATTR_AIBRIDGE_INTERCEPTION_CUT_OFF = 'aibridge.interception.cut_off' as const;
/** Why a successful interception's usage could not be read. */
export const ATTR_AIBRIDGE_USAGE_UNAVAILABLE = 'aibridge.usage.unavailable' as const;
/** Metric attribute of the rejections, resolver errors and usage unavailable counters. */
export const ATTR_REASON = 'reason' as const;
/** Metric attribute of the resolver errors counter. */
export const ATTR_RESOLVER = 'resolver' as const;
/**
 * Metric attribute of the rejections counter: whether the request had a credential the gateway
 * took. `none`: no credential at all; `refused`: the gateway answered 401 or 403; `accepted`:
 * any other answer. Lets an alert page on an authenticated caller without letting an anonymous
 * one page anybody.
 */
export const ATTR_INITIATOR_AUTHENTICATION = 'initiator.authentication' as const;

export const EVENT_INITIATOR_OVERRIDE_REJECTED = 'initiator.override.rejected' as const;
/** The event name of the per-interception log record. */
export const EVENT_INTERCEPTION = 'aibridge.interception' as const;

export const METRIC_INTERCEPTIONS = 'aibridge.interceptions' as const;
export const METRIC_OVERRIDE_REJECTIONS = 'aibridge.initiator.override.rejections' as const;
export const METRIC_INTERCEPTION_DURATION = 'aibridge.interception.duration' as const;
export const METRIC_RESOLVER_ERRORS = 'aibridge.initiator.resolver.errors' as const;
export const METRIC_TOKENS = 'aibridge.tokens' as const;
export const METRIC_INTERCEPTIONS_ACTIVE = 'aibridge.interceptions.active' as const;
export const METRIC_USAGE_UNAVAILABLE = 'aibridge.usage.unavailable' as const;
/** Gauge: 1 while the credentials file changed on disk but could not be loaded, so the previous version is in use. */
export const METRIC_CREDENTIALS_FILE_RELOAD_FAILED = 'aibridge.initiator.credentials_file.reload_failed' as const;

/** Names the Prometheus exporter gives the metrics above. */
export const PROMETHEUS_METRIC_NAMES = {
  interceptions: 'aibridge_interceptions_total',
  overrideRejections: 'aibridge_initiator_override_rejections_total',
  interceptionDurationBucket: 'aibridge_interception_duration_bucket',
  resolverErrors: 'aibridge_initiator_resolver_errors_total',
  tokens: 'aibridge_tokens_total',
  interceptionsActive: 'aibridge_interceptions_active',
  usageUnavailable: 'aibridge_usage_unavailable_total',
  credentialsFileReloadFailed: 'aibridge_initiator_credentials_file_reload_failed',
} as const;

/** Model calls run from tens of milliseconds to minutes of streaming. */
export const INTERCEPTION_DURATION_BUCKETS: readonly number[] = [
  0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 180, 300,
];

/** How many distinct `gen_ai.response.model` values `aibridge.tokens` takes per process; later ones are counted under `MODEL_OVERFLOW`. */
export const MAX_MODELS = 100;
export const MODEL_OVERFLOW = '_OTHER' as const;
