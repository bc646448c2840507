import type { Attributes } from '@opentelemetry/api';
import { ATTR_HTTP_RESPONSE_STATUS_CODE } from '@opentelemetry/semantic-conventions';
import type { OwnerHeaderRejection, Provider, Resolution, ResolverError } from '../resolution/types';
import type { UsageOutcome, UsageUnavailableReason } from '../usage/types';
import type { TokenType } from './token-types';
import {
  ATTR_AIBRIDGE_CLIENT,
  ATTR_AIBRIDGE_STREAMING,
  ATTR_AIBRIDGE_USAGE_UNAVAILABLE,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_TOKEN_TYPE,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_ENDUSER_ID,
  ATTR_INITIATOR_AUTHENTICATION,
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
    [ATTR_GEN_AI_PROVIDER_NAME]: provider,
  };
  if (resolution.initiator !== undefined) attributes[ATTR_ENDUSER_ID] = resolution.initiator;
  if (resolution.credentialInitiator !== undefined)
    attributes[ATTR_INITIATOR_CREDENTIAL_ID] = resolution.credentialInitiator;
  if (resolution.rejection !== undefined)
    attributes[ATTR_INITIATOR_OVERRIDE_REJECTED_REASON] = resolution.rejection.reason;
  const firstError = resolution.resolverErrors[0];
  if (firstError !== undefined)
    attributes[ATTR_INITIATOR_CREDENTIAL_ERROR] = `${firstError.resolver}_${firstError.reason}`;
  return attributes;
}

/** What is known at span start while a resolver is still working: the client and the provider. */
export function pendingSpanAttributes(client: string, provider: Provider): Attributes {
  return { [ATTR_AIBRIDGE_CLIENT]: client, [ATTR_GEN_AI_PROVIDER_NAME]: provider };
}

/** Attributes of the `initiator.override.rejected` event: the reason and the length, never the value. */
export function rejectionEventAttributes(rejection: OwnerHeaderRejection): Attributes {
  return {
    [ATTR_INITIATOR_OVERRIDE_REJECTED_REASON]: rejection.reason,
    [ATTR_INITIATOR_OVERRIDE_VALUE_LENGTH]: rejection.valueLength,
  };
}

// Metric attributes are an allow-list of low-cardinality keys: no initiator, no credential.

export function interceptionMetricAttributes(
  resolution: Resolution,
  provider: Provider,
  statusCode: number,
): Attributes {
  return {
    [ATTR_INITIATOR_OVERRIDE]: resolution.override,
    [ATTR_INITIATOR_SOURCE]: resolution.source,
    [ATTR_AIBRIDGE_CLIENT]: resolution.client,
    [ATTR_GEN_AI_PROVIDER_NAME]: provider,
    [ATTR_HTTP_RESPONSE_STATUS_CODE]: statusCode,
  };
}

/** The values of `initiator.authentication`, in the order the rejection counter keys them. */
export const AUTHENTICATIONS = ['none', 'refused', 'accepted'] as const;
export type Authentication = (typeof AUTHENTICATIONS)[number];

/**
 * Whether the request behind an interception had a credential the gateway took. The plugin does
 * not authenticate; the gateway does, and says so in its answer: a 401 or 403 means the credential
 * was not good, so anyone can produce one by sending a made-up key.
 */
export function authenticationOf(resolution: Resolution, statusCode: number): Authentication {
  if (resolution.credentialInitiator === undefined) return 'none';
  return statusCode === 401 || statusCode === 403 ? 'refused' : 'accepted';
}

export function rejectionMetricAttributes(
  rejection: OwnerHeaderRejection,
  client: string,
  authentication: Authentication,
): Attributes {
  return {
    [ATTR_REASON]: rejection.reason,
    [ATTR_AIBRIDGE_CLIENT]: client,
    [ATTR_INITIATOR_AUTHENTICATION]: authentication,
  };
}

export function resolverErrorMetricAttributes(error: ResolverError): Attributes {
  return { [ATTR_RESOLVER]: error.resolver, [ATTR_REASON]: error.reason };
}

export function durationMetricAttributes(resolution: Resolution, provider: Provider): Attributes {
  return { [ATTR_INITIATOR_OVERRIDE]: resolution.override, [ATTR_GEN_AI_PROVIDER_NAME]: provider };
}

/** Attributes of the server span once the response has ended: what it said of its model and usage. */
export function usageSpanAttributes(outcome: UsageOutcome, statusCode: number): Attributes {
  const attributes: Attributes = { [ATTR_AIBRIDGE_STREAMING]: outcome.streaming };
  if (outcome.model !== undefined) attributes[ATTR_GEN_AI_RESPONSE_MODEL] = outcome.model;
  const { usage } = outcome;
  if (usage !== undefined) {
    attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS] = usage.inputTokens;
    attributes[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS] = usage.outputTokens;
    if (usage.cacheReadInputTokens !== undefined)
      attributes[ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] = usage.cacheReadInputTokens;
    if (usage.cacheCreationInputTokens !== undefined)
      attributes[ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS] = usage.cacheCreationInputTokens;
    if (usage.reasoningOutputTokens !== undefined)
      attributes[ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS] = usage.reasoningOutputTokens;
  } else if (outcome.unavailable !== undefined && isSuccess(statusCode)) {
    attributes[ATTR_AIBRIDGE_USAGE_UNAVAILABLE] = outcome.unavailable;
  }
  return attributes;
}

/** Only a successful interception is expected to report usage: an error response carries none. */
export function isSuccess(statusCode: number): boolean {
  return statusCode >= 200 && statusCode < 300;
}

/** `model` is absent when the response named none. */
export function tokenMetricAttributes(
  resolution: Resolution,
  provider: Provider,
  model: string | undefined,
  tokenType: TokenType,
): Attributes {
  const attributes: Attributes = {
    [ATTR_GEN_AI_TOKEN_TYPE]: tokenType,
    [ATTR_INITIATOR_OVERRIDE]: resolution.override,
    [ATTR_INITIATOR_SOURCE]: resolution.source,
    [ATTR_AIBRIDGE_CLIENT]: resolution.client,
    [ATTR_GEN_AI_PROVIDER_NAME]: provider,
  };
  if (model !== undefined) attributes[ATTR_GEN_AI_RESPONSE_MODEL] = model;
  return attributes;
}

export function usageUnavailableMetricAttributes(
  reason: UsageUnavailableReason,
  client: string,
  provider: Provider,
): Attributes {
  return { [ATTR_REASON]: reason, [ATTR_AIBRIDGE_CLIENT]: client, [ATTR_GEN_AI_PROVIDER_NAME]: provider };
}

export function activeMetricAttributes(provider: Provider): Attributes {
  return { [ATTR_GEN_AI_PROVIDER_NAME]: provider };
}
