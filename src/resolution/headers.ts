import type { HeaderInput } from './types';

/** Lowercase-keyed header record, the shape the resolution reads. */
export type HeaderRecord = Readonly<Record<string, string | readonly string[] | undefined>>;

function isFetchHeaders(input: HeaderInput): input is { get(name: string): string | null } {
  return typeof (input as { get?: unknown }).get === 'function';
}

/**
 * Brings any header input to a lowercase-keyed record. Node's `IncomingMessage.headers`
 * is already in that shape and is returned as is, so the hot path does not copy.
 */
export function toHeaderRecord(input: HeaderInput | null | undefined): HeaderRecord {
  if (input === null || typeof input !== 'object') return {};
  if (isFetchHeaders(input)) return fetchHeadersToRecord(input);
  const record: HeaderRecord = input;
  for (const name in record) {
    if (name !== name.toLowerCase()) return lowercaseKeys(record);
  }
  return record;
}

function fetchHeadersToRecord(input: { get(name: string): string | null }): HeaderRecord {
  const out: Record<string, string> = {};
  const iterable = input as unknown as Partial<Iterable<[string, string]>>;
  if (typeof iterable[Symbol.iterator] !== 'function') return out;
  for (const [name, value] of iterable as Iterable<[string, string]>) {
    if (typeof name === 'string' && typeof value === 'string') out[name.toLowerCase()] = value;
  }
  return out;
}

// Two spellings of one header name ("X-Api-Key" and "x-api-key") are two values of one header.
function lowercaseKeys(record: HeaderRecord): HeaderRecord {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(record)) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    const previous = out[key];
    const values = typeof value === 'string' ? [value] : [...value];
    if (previous === undefined) out[key] = values.length === 1 ? values[0]! : values;
    else out[key] = [...(typeof previous === 'string' ? [previous] : previous), ...values];
  }
  return out;
}

/**
 * The header's single string value: the first when an array was given. Non-strings count as absent.
 * Used for headers where only one value is meaningful (User-Agent, credentials).
 */
export function firstValue(headers: HeaderRecord, name: string): string | undefined {
  const value = headers[name];
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    const first: unknown = value[0];
    return typeof first === 'string' ? first : undefined;
  }
  return undefined;
}

/**
 * Every value of a header that may legitimately repeat: a string, or the strings of an array.
 * Values of any other type (possible only through the programmatic API) count as absent.
 */
export function allValues(headers: HeaderRecord, name: string): string | readonly string[] | undefined {
  const value: unknown = headers[name];
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) return undefined;
  const strings = value.filter((item): item is string => typeof item === 'string');
  return strings.length === 0 ? undefined : strings;
}
