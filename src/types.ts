/**
 * The package's public types: every option the plugin takes and every result it gives. The rules'
 * own vocabulary (a Resolution and its parts) is defined beside the pure rules and re-exported here.
 */
import type { Sampler, TextMapPropagator } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { HttpInstrumentationConfig } from '@opentelemetry/instrumentation-http';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import type { Credential } from './resolution/credential';
import type { HeaderRecord } from './resolution/headers';
import type { InitiatorPolicy } from './resolution/policy';

export type { Credential, CredentialKind } from './resolution/credential';
export type { InitiatorPolicy } from './resolution/policy';
export type {
  HeaderInput,
  InitiatorSource,
  OwnerHeaderRejection,
  Provider,
  RejectionReason,
  Resolution,
  ResolverError,
  ResolverName,
} from './resolution/types';

/**
 * A client the built-in detection rules do not know: its name, and the User-Agent prefix
 * (case-insensitive) or `originator` header value (case-insensitive) that identifies it.
 *
 * @example
 * { client: 'Acme Agent', userAgentPrefix: 'acme-agent/' }
 */
export type ClientRule =
  | { readonly client: string; readonly userAgentPrefix: string; readonly originator?: never }
  | { readonly client: string; readonly originator: string; readonly userAgentPrefix?: never };

/** The settings of the owner-header rules, client detection and the interception routes. */
export interface RuleOptions {
  /**
   * Name of the header that names the owner (case-insensitive).
   * @default 'X-Coder-Owner-Id'
   */
  readonly ownerHeader?: string;
  /**
   * User-Agent prefixes (case-insensitive) of the clients allowed to delegate to the owner header.
   * @default ['coder-agents/']
   */
  readonly ownerUserAgentPrefixes?: readonly string[];
  /**
   * Credential initiators allowed to delegate. Empty (and no credentials file): any credential may.
   * @default []
   */
  readonly trustedInitiators?: readonly string[];
  /**
   * Paths of interception routes (POST only, query ignored). A path whose shape does not tell the
   * provider names it: `/llm/complete=openai`.
   * @default DEFAULT_INTERCEPTION_ROUTES
   */
  readonly interceptionRoutes?: readonly string[];
  /**
   * How long resolvers that must wait (a first JWT verification, a resolver module) may take, in
   * total, before the fingerprint stands in.
   * @default 1000
   */
  readonly resolverTimeoutMs?: number;
  /**
   * Clients to detect beyond the built-in ones, tried before them (at most 32). Names are printable,
   * at most 64 characters, and neither `Unknown` nor `_OTHER`; a rule may give a built-in name.
   * @default []
   */
  readonly clientRules?: readonly ClientRule[];
  /**
   * Session headers by client name (at most 4 each), looked for before a built-in client's own; the
   * first one a request carries names its `gen_ai.conversation.id`. The client must be built in or
   * named by `clientRules`.
   * @example { 'Acme Agent': ['X-Acme-Session'] }
   * @default {}
   */
  readonly sessionHeaders?: Readonly<Record<string, readonly string[]>>;
}

/** How JWT bearer tokens are verified. Exactly one key source. */
export interface JwtOptions {
  /** A JWKS endpoint (https, or http on loopback for tests). */
  readonly jwksUrl?: string;
  /** A PEM public key (SPKI) or certificate file. */
  readonly publicKeyFile?: string;
  /** A shared HMAC secret (HS256/384/512), at least 32 characters. */
  readonly secret?: string;
  /** Required `iss`, when set. */
  readonly issuer?: string;
  /** Required `aud`, when set. */
  readonly audience?: string;
  /**
   * The claim that holds the initiator ID.
   * @default 'sub'
   */
  readonly claim?: string;
}

/** What a custom resolver is given: the credential (its token readable, never serialised) and the headers. */
export interface ResolverContext {
  readonly credential: Credential;
  /** Lowercase-keyed request headers. */
  readonly headers: HeaderRecord;
}

/**
 * Maps a credential to the initiator behind it, or undefined when it does not know it; may answer
 * later (a database, an auth service). Throwing, rejecting or answering too late only costs the
 * request its resolved identity: the fingerprint stands in.
 *
 * @example
 * export async function resolveCredential({ credential }) {
 *   return (await db.lookupKey(credential.sha256))?.owner;
 * }
 */
export type CredentialResolver = (context: ResolverContext) => string | undefined | Promise<string | undefined>;

/**
 * Who is behind a credential. Resolvers are tried in this order, the first that knows the request
 * wins, and the credential's fingerprint is the fallback.
 */
export interface IdentityOptions {
  /**
   * A header set by a trusted auth proxy in front of the gateway, naming the authenticated
   * initiator. Only safe if that proxy removes the header from what clients send.
   * @default none
   */
  readonly initiatorHeader?: string;
  /**
   * A JSON file listing credentials by the sha256 of their token, with their initiator and whether
   * they may delegate. Re-read when it changes. Once set, only credentials it marks
   * `"delegate": true` (or listed in `trustedInitiators`) may delegate.
   * @default none
   */
  readonly credentialsFile?: string;
  /** Verification of JWT bearer tokens. @default none */
  readonly jwt?: JwtOptions;
  /**
   * A module (path relative to the working directory, or package name) exporting
   * `resolveCredential(context)`.
   * @default none
   */
  readonly resolverModule?: string;
  /** Resolvers given in code, tried after the module. @default [] */
  readonly credentialResolvers?: readonly CredentialResolver[];
}

/** Every option of the plugin's resolution: the same settings as the `AIBRIDGE_*` variables. */
export interface InitiatorOptions extends RuleOptions, IdentityOptions {}

/**
 * Which interceptions are sampled whatever the configured sampler decides: `rejections` (an owner
 * header that was rejected, or a credential a resolver could not vouch for), `owner_header` (every
 * interception that sent the owner header), or `none`.
 */
export type AlwaysSample = 'rejections' | 'owner_header' | 'none';

/** Options of `InitiatorInstrumentation`: how to resolve, plus any HTTP instrumentation config. */
export interface InitiatorInstrumentationConfig extends InitiatorOptions {
  /**
   * Which interceptions the sampler returned by `createInitiatorInstrumentation` keeps whatever the
   * sampler it wraps decides (with `register`: whatever `OTEL_TRACES_SAMPLER` configures).
   * @default 'rejections'
   */
  readonly alwaysSample?: AlwaysSample;
  /**
   * A policy built already (`createPolicy`); the resolution options above are then ignored. Lets
   * the files and modules a policy loads be loaded once.
   * @default built from the options above
   */
  readonly policy?: InitiatorPolicy;
  /**
   * Passed to `HttpInstrumentation`. Your hooks still run, after the plugin's, and
   * `ignoreIncomingRequestHook` is honoured. On interceptions, attributes your start hook returns
   * under `enduser.id`, `initiator.*` or `aibridge.*` are dropped; `headersToSpanAttributes` never
   * captures credential headers or the owner header.
   * @default {}
   */
  readonly http?: HttpInstrumentationConfig;
}

/** Options of `createInitiatorInstrumentation`. */
export interface InitiatorSetupOptions extends InitiatorInstrumentationConfig {
  /**
   * Whether outgoing requests (to model providers) carry the trace context (`traceparent`,
   * `baggage`). Incoming trace context is read either way.
   * @default false
   */
  readonly propagateTraceContext?: boolean;
  /**
   * The propagator to gate; `null` for none.
   * @default W3C trace context and baggage
   */
  readonly propagator?: TextMapPropagator | null;
}

/** What a gateway's own `NodeSDK` needs to carry initiators. */
export interface InitiatorSetup {
  /**
   * For `sampler`: `configured` (by default the SDK's, parent-based always-on), except that every
   * interception carrying the `alwaysSample` signal is sampled.
   */
  sampler(configured?: Sampler): Sampler;
  /** For `instrumentations`: HTTP (with initiator resolution) and undici (`fetch`) outgoing calls. */
  readonly instrumentations: Instrumentation[];
  /** For `spanProcessors`, first: stamps `enduser.id` on the spans under an interception. */
  readonly spanProcessor: SpanProcessor;
  /** For `textMapPropagator`: keeps trace context from leaving for providers unless asked; null for none. */
  readonly propagator: TextMapPropagator | null;
}
