import { ConfigError } from '../config-error';

// RFC 9110 token characters: what a header name may be made of.
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const PRINTABLE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

/** Throws `ConfigError` (labelled `label`) unless `name` is a valid HTTP header name. */
export function checkHeaderName(label: string, name: string): string {
  if (!HEADER_NAME.test(name)) throw new ConfigError(label, `"${name}" is not a valid HTTP header name`);
  return name;
}

/** Throws `ConfigError` unless every entry is printable and not empty. */
export function checkList(label: string, items: readonly string[]): readonly string[] {
  items.forEach((item, index) => {
    if (typeof item !== 'string' || !PRINTABLE.test(item)) {
      throw new ConfigError(
        label,
        `entry ${index + 1} ("${String(item)}") is empty, has surrounding spaces or non-printable characters`,
      );
    }
  });
  return items;
}
