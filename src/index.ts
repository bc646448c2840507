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
  ATTR_AIBRIDGE_PROVIDER,
  ATTR_ENDUSER_ID,
  ATTR_INITIATOR_CREDENTIAL_ERROR,
  ATTR_INITIATOR_CREDENTIAL_ID,
  ATTR_INITIATOR_OVERRIDE,
  ATTR_INITIATOR_OVERRIDE_REJECTED_REASON,
  ATTR_INITIATOR_OVERRIDE_VALUE_LENGTH,
  ATTR_INITIATOR_SOURCE,
  EVENT_INITIATOR_OVERRIDE,
  EVENT_INITIATOR_OVERRIDE_REJECTED,
  METRIC_INTERCEPTION_DURATION,
  METRIC_INTERCEPTIONS,
  METRIC_OVERRIDE_REJECTIONS,
  METRIC_RESOLVER_ERRORS,
  PROMETHEUS_METRIC_NAMES,
} from './otel/semconv';
export { currentInitiator } from './otel/span-registry';
export { fingerprintToken } from './resolution/credential';
export { DEFAULT_INTERCEPTION_ROUTES } from './resolution/routes';
export { REJECTION_REASONS } from './resolution/types';
export { resolveInitiator } from './resolve-initiator';
export type {
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
