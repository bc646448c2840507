import {
  BUILT_IN_CLIENTS,
  clientTable,
  type ClientTable,
  type DetectionRule,
  UNKNOWN_CLIENT,
} from '../resolution/clients';
import type { ClientRule } from '../types';
import { ConfigError } from '../config-error';
import { checkHeaderName } from './checks';

/** The names used in errors for the client settings. */
export interface ClientLabels {
  readonly clientRules: string;
  readonly sessionHeaders: string;
}

// Each name is a value of the `aibridge.client` label on every metric: bounded, like the built-in set.
const MAX_RULES = 32;
const MAX_NAME_LENGTH = 64;
const MAX_MATCH_LENGTH = 128;
const MAX_SESSION_HEADERS = 4;
// `=` and `,` would not survive the variables' syntax; `_OTHER` is the overflow label of bounded sets.
const NAME = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;
const RESERVED_NAMES = new Set([UNKNOWN_CLIENT, '_OTHER']);
const RULE_KEYS = new Set(['client', 'userAgentPrefix', 'originator']);

/**
 * Validates the operator's client rules and session headers and compiles them with the built-in
 * ones. Throws `ConfigError` naming the setting and the rule or client at fault.
 */
export function compileClients(
  rules: readonly ClientRule[] | undefined,
  sessionHeaders: Readonly<Record<string, readonly string[]>> | undefined,
  labels: ClientLabels,
): ClientTable {
  if (rules === undefined && sessionHeaders === undefined) return BUILT_IN_CLIENTS;
  const compiled = checkRules(labels.clientRules, rules ?? []);
  const known = new Set([...compiled.map((rule) => rule.client), ...BUILT_IN_CLIENTS.names]);
  return clientTable(compiled, checkSessionHeaders(labels.sessionHeaders, sessionHeaders ?? {}, known));
}

function checkRules(label: string, rules: readonly ClientRule[]): DetectionRule[] {
  if (!Array.isArray(rules)) throw new ConfigError(label, 'must be a list of rules');
  if (rules.length > MAX_RULES) throw new ConfigError(label, `has ${rules.length} rules, at most ${MAX_RULES}`);
  const seen = new Set<string>();
  return rules.map((rule: unknown, index) => {
    const at = `rule ${index + 1}`;
    if (typeof rule !== 'object' || rule === null) throw new ConfigError(label, `${at} is not an object`);
    const fields = rule as Record<string, unknown>;
    const unknown = Object.keys(fields).find((key) => !RULE_KEYS.has(key));
    if (unknown !== undefined) throw new ConfigError(label, `${at} has unknown key "${unknown}"`);
    const client = checkName(label, at, fields.client);
    const { userAgentPrefix, originator } = fields;
    if ((userAgentPrefix === undefined) === (originator === undefined)) {
      throw new ConfigError(label, `${at} ("${client}") needs exactly one of a User-Agent prefix and an originator`);
    }
    const match = checkMatch(label, `${at} ("${client}")`, userAgentPrefix ?? originator).toLowerCase();
    const key = `${userAgentPrefix === undefined ? 'originator' : 'user-agent'} ${match}`;
    if (seen.has(key)) throw new ConfigError(label, `${at} ("${client}") repeats the ${key.split(' ')[0]} "${match}"`);
    seen.add(key);
    return userAgentPrefix === undefined ? { client, originator: match } : { client, userAgentPrefix: match };
  });
}

function checkName(label: string, at: string, name: unknown): string {
  if (typeof name !== 'string' || !NAME.test(name) || name.length > MAX_NAME_LENGTH || /[,=]/.test(name)) {
    throw new ConfigError(
      label,
      `${at} needs a client name of 1 to ${MAX_NAME_LENGTH} printable characters, without "," or "=" or surrounding spaces`,
    );
  }
  if (RESERVED_NAMES.has(name)) throw new ConfigError(label, `${at} cannot name a client "${name}"`);
  return name;
}

function checkMatch(label: string, at: string, match: unknown): string {
  if (typeof match !== 'string' || !NAME.test(match) || match.length > MAX_MATCH_LENGTH) {
    throw new ConfigError(
      label,
      `${at} needs a User-Agent prefix or originator of 1 to ${MAX_MATCH_LENGTH} printable characters, without surrounding spaces`,
    );
  }
  return match;
}

function checkSessionHeaders(
  label: string,
  byClient: Readonly<Record<string, readonly string[]>>,
  known: ReadonlySet<string>,
): Record<string, readonly string[]> {
  if (typeof byClient !== 'object' || byClient === null || Array.isArray(byClient)) {
    throw new ConfigError(label, 'must map client names to lists of header names');
  }
  const checked: Record<string, readonly string[]> = {};
  for (const [client, headers] of Object.entries(byClient)) {
    if (!known.has(client) || RESERVED_NAMES.has(client)) {
      throw new ConfigError(label, `"${client}" is neither a built-in client nor one a client rule names`);
    }
    if (!Array.isArray(headers) || headers.length === 0 || headers.length > MAX_SESSION_HEADERS) {
      throw new ConfigError(label, `"${client}" needs 1 to ${MAX_SESSION_HEADERS} header names`);
    }
    const names = headers.map((header: unknown) => {
      if (typeof header !== 'string') throw new ConfigError(label, `"${client}" has a header name that is not text`);
      return checkHeaderName(label, header).toLowerCase();
    });
    if (new Set(names).size !== names.length) throw new ConfigError(label, `"${client}" repeats a header`);
    checked[client] = names;
  }
  return checked;
}
