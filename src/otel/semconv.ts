// `enduser.id` is not in the stable semantic conventions; the package asks not to import its
// incubating entry point at runtime, so the name is kept here.
export const ATTR_ENDUSER_ID = 'enduser.id' as const;

export const ATTR_INITIATOR_OVERRIDE = 'initiator.override' as const;
export const ATTR_INITIATOR_SOURCE = 'initiator.source' as const;
export const ATTR_INITIATOR_CREDENTIAL_ID = 'initiator.credential_id' as const;
/** Why a resolver that knew the credential could not vouch for it, e.g. `jwt_expired`. */
export const ATTR_INITIATOR_CREDENTIAL_ERROR = 'initiator.credential.error' as const;
export const ATTR_INITIATOR_OVERRIDE_REJECTED_REASON = 'initiator.override.rejected_reason' as const;
/** On the rejection event: the header value's length, never the value. */
export const ATTR_INITIATOR_OVERRIDE_VALUE_LENGTH = 'initiator.override.value_length' as const;
export const ATTR_AIBRIDGE_CLIENT = 'aibridge.client' as const;
export const ATTR_AIBRIDGE_PROVIDER = 'aibridge.provider' as const;
/** Metric attribute of the rejections and resolver errors counters. */
export const ATTR_REASON = 'reason' as const;
/** Metric attribute of the resolver errors counter. */
export const ATTR_RESOLVER = 'resolver' as const;

export const EVENT_INITIATOR_OVERRIDE = 'initiator.override' as const;
export const EVENT_INITIATOR_OVERRIDE_REJECTED = 'initiator.override.rejected' as const;

export const METRIC_INTERCEPTIONS = 'aibridge.interceptions' as const;
export const METRIC_OVERRIDE_REJECTIONS = 'aibridge.initiator.override.rejections' as const;
export const METRIC_INTERCEPTION_DURATION = 'aibridge.interception.duration' as const;
export const METRIC_RESOLVER_ERRORS = 'aibridge.initiator.resolver.errors' as const;

/** Names the Prometheus exporter gives the metrics above. */
export const PROMETHEUS_METRIC_NAMES = {
  interceptions: 'aibridge_interceptions_total',
  overrideRejections: 'aibridge_initiator_override_rejections_total',
  interceptionDurationBucket: 'aibridge_interception_duration_bucket',
  resolverErrors: 'aibridge_initiator_resolver_errors_total',
} as const;

/** Model calls run from tens of milliseconds to minutes of streaming. */
export const INTERCEPTION_DURATION_BUCKETS: readonly number[] = [
  0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 180, 300,
];
