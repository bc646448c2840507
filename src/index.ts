// The package's promises: every name here is documented in the README's API section, and a test
// keeps the two equal. Everything else in src/ is internal and may change in any release.

export { ConfigError } from './config-error';
export { DEFAULT_OWNER_HEADER } from './config/compile-policy';
export { createPolicy } from './config/create-policy';
export { createInitiatorInstrumentation } from './otel/create-initiator-instrumentation';
export { InitiatorInstrumentation } from './otel/initiator-instrumentation';
export { InitiatorSpanProcessor } from './otel/initiator-span-processor';
export {
  ATTR_AIBRIDGE_CLIENT,
  ATTR_AIBRIDGE_INTERCEPTION_CUT_OFF,
  ATTR_AIBRIDGE_INTERCEPTION_DURATION,
  ATTR_AIBRIDGE_STREAMING,
  ATTR_AIBRIDGE_USAGE_UNAVAILABLE,
  ATTR_ENDUSER_ID,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_TOKEN_TYPE,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  ATTR_INITIATOR_AUTHENTICATION,
  ATTR_INITIATOR_CREDENTIAL_ERROR,
  ATTR_INITIATOR_CREDENTIAL_ID,
  ATTR_INITIATOR_OVERRIDE,
  ATTR_INITIATOR_OVERRIDE_REJECTED_REASON,
  ATTR_INITIATOR_OVERRIDE_VALUE_LENGTH,
  ATTR_INITIATOR_SOURCE,
  EVENT_INITIATOR_OVERRIDE_REJECTED,
  EVENT_INTERCEPTION,
  METRIC_CREDENTIALS_FILE_RELOAD_FAILED,
  METRIC_INTERCEPTION_DURATION,
  METRIC_INTERCEPTIONS,
  METRIC_INTERCEPTIONS_ACTIVE,
  METRIC_OVERRIDE_REJECTIONS,
  METRIC_RESOLVER_ERRORS,
  METRIC_TOKENS,
  METRIC_USAGE_UNAVAILABLE,
  PROMETHEUS_METRIC_NAMES,
} from './otel/semconv';
export { currentInitiator } from './otel/span-registry';
export { fingerprintToken } from './resolution/credential';
export { DEFAULT_INTERCEPTION_ROUTES } from './resolution/routes';
export { REJECTION_REASONS } from './resolution/types';
export { resolveInitiator } from './resolve-initiator';
export type {
  AlwaysSample,
  ClientRule,
  Credential,
  CredentialKind,
  CredentialResolver,
  HeaderInput,
  IdentityOptions,
  InitiatorInstrumentationConfig,
  InitiatorOptions,
  InitiatorPolicy,
  InitiatorSetup,
  InitiatorSetupOptions,
  InitiatorSource,
  JwtOptions,
  OwnerHeaderRejection,
  Provider,
  RejectionReason,
  Resolution,
  ResolverContext,
  ResolverError,
  ResolverName,
  RuleOptions,
} from './types';
