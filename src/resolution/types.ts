// The rules' own vocabulary. This file imports nothing, so every other module can depend on it
// without a cycle.

/** Which upstream API shape an interception speaks. */
export type Provider = 'openai' | 'anthropic';

/** How the initiator of an interception was decided. */
export type InitiatorSource = 'owner_header' | 'credential' | 'none';

/** Every reason an owner header that was present did not decide the initiator. */
export const REJECTION_REASONS = [
  'client_not_allowed',
  'multiple_values',
  'invalid_format',
  'credential_not_trusted',
] as const;

/** Why an owner header that was present did not decide the initiator. */
export type RejectionReason = (typeof REJECTION_REASONS)[number];

/** An owner header that was present but not applied. Carries its length, never its value. */
export interface OwnerHeaderRejection {
  readonly reason: RejectionReason;
  /** Length in characters of the header value as received (all values joined when repeated). */
  readonly valueLength: number;
}

/** Where a credential initiator came from. */
export type ResolverName = 'initiator_header' | 'credentials_file' | 'jwt' | 'module' | 'custom';

/** A failure of one resolver on one request, as recorded on spans and counted. */
export interface ResolverError {
  readonly resolver: ResolverName;
  /** Short and bounded, e.g. `expired`, `timeout`, `invalid`. */
  readonly reason: string;
}

/**
 * Who an interception is attributed to, and why.
 *
 * @example
 * { initiator: '3f0c…', source: 'owner_header', override: true,
 *   credentialInitiator: 'key-1a2b3c4d5e6f7a8b', client: 'Coder Agents', rejection: undefined,
 *   resolverErrors: [] }
 */
export interface Resolution {
  /** The initiator (`enduser.id`); undefined when there is neither a credential nor an applied owner header. */
  readonly initiator: string | undefined;
  readonly source: InitiatorSource;
  /** True iff the owner header was applied. */
  readonly override: boolean;
  /** The initiator behind the request's credential, when there is one. Never the raw credential. */
  readonly credentialInitiator: string | undefined;
  /** The detected client, e.g. `Coder Agents`, or `Unknown`. */
  readonly client: string;
  /** Set when an owner header was present and not applied. */
  readonly rejection: OwnerHeaderRejection | undefined;
  /** Resolvers that knew the credential but could not vouch for it (an expired JWT, a timeout...). */
  readonly resolverErrors: readonly ResolverError[];
}

/**
 * Request headers as Node gives them (`IncomingMessage.headers`: lowercase names, repeated
 * headers joined or in arrays), or as the Fetch API gives them.
 */
export type HeaderInput =
  Readonly<Record<string, string | readonly string[] | undefined>> | { get(name: string): string | null };
