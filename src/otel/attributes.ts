import type { Attributes } from '@opentelemetry/api';
import { ATTR_HTTP_RESPONSE_STATUS_CODE } from '@opentelemetry/semantic-conventions';
import type { OwnerHeaderRejection, Provider, Resolution, ResolverError } from '../resolution/types';
import {
  ATTR_AIBRIDGE_CLIENT,
  ATTR_AIBRIDGE_PROVIDER,
  ATTR_ENDUSER_ID,
  ATTR_INITIATOR_CREDENTIAL_ERROR,
  ATTR_INITIATOR_CREDENTIAL_ID,
  ATTR_INITIATOR_OVERRIDE,
  ATTR_INITIATOR_OVERRIDE_REJECTED_REASON,
  ATTR_INITIATOR_OVERRIDE_VALUE_LENGTH,
  ATTR_INITIATOR_SOURCE,
  ATTR_REASON,
  ATTR_RESOLVER,
} from './semconv';

/** Attributes of an interception's server span, set at span start so samplers see them. */
export function interceptionSpanAttributes(resolution: Resolution, provider: Provider): Attributes {
  const attributes: Attributes = {
    [ATTR_INITIATOR_OVERRIDE]: resolution.override,
    [ATTR_INITIATOR_SOURCE]: resolution.source,
    [ATTR_AIBRIDGE_CLIENT]: resolution.client,
    [ATTR_AIBRIDGE_PROVIDER]: provider,
  };
  if (resolution.initiator !== undefined) attributes[ATTR_ENDUSER_ID] = resolution.initiator;
  if (resolution.credentialInitiator !== undefined) attributes[ATTR_INITIATOR_CREDENTIAL_ID] = resolution.credentialInitiator;
  if (resolution.rejection !== undefined) attributes[ATTR_INITIATOR_OVERRIDE_REJECTED_REASON] = resolution.rejection.reason;
  const firstError = resolution.resolverErrors[0];
  if (firstError !== undefined) attributes[ATTR_INITIATOR_CREDENTIAL_ERROR] = `${firstError.resolver}_${firstError.reason}`;
  return attributes;
}

/** What is known at span start while a resolver is still working: the client and the provider. */
export function pendingSpanAttributes(client: string, provider: Provider): Attributes {
  return { [ATTR_AIBRIDGE_CLIENT]: client, [ATTR_AIBRIDGE_PROVIDER]: provider };
}

/** Attributes of the `initiator.override` event. */
export function overrideEventAttributes(resolution: Resolution): Attributes {
  const attributes: Attributes = {};
  if (resolution.initiator !== undefined) attributes[ATTR_ENDUSER_ID] = resolution.initiator;
  if (resolution.credentialInitiator !== undefined) attributes[ATTR_INITIATOR_CREDENTIAL_ID] = resolution.credentialInitiator;
  return attributes;
}

/** Attributes of the `initiator.override.rejected` event: the reason and the length, never the value. */
export function rejectionEventAttributes(rejection: OwnerHeaderRejection): Attributes {
  return {
    [ATTR_INITIATOR_OVERRIDE_REJECTED_REASON]: rejection.reason,
    [ATTR_INITIATOR_OVERRIDE_VALUE_LENGTH]: rejection.valueLength,
  };
}

// Metric attributes are an allow-list of low-cardinality keys: no initiator, no credential.

export function interceptionMetricAttributes(resolution: Resolution, provider: Provider, statusCode: number): Attributes {
  return {
    [ATTR_INITIATOR_OVERRIDE]: resolution.override,
    [ATTR_INITIATOR_SOURCE]: resolution.source,
    [ATTR_AIBRIDGE_CLIENT]: resolution.client,
    [ATTR_AIBRIDGE_PROVIDER]: provider,
    [ATTR_HTTP_RESPONSE_STATUS_CODE]: statusCode,
  };
}

export function rejectionMetricAttributes(rejection: OwnerHeaderRejection, client: string): Attributes {
  return { [ATTR_REASON]: rejection.reason, [ATTR_AIBRIDGE_CLIENT]: client };
}

export function resolverErrorMetricAttributes(error: ResolverError): Attributes {
  return { [ATTR_RESOLVER]: error.resolver, [ATTR_REASON]: error.reason };
}

export function durationMetricAttributes(resolution: Resolution, provider: Provider): Attributes {
  return { [ATTR_INITIATOR_OVERRIDE]: resolution.override, [ATTR_AIBRIDGE_PROVIDER]: provider };
}
