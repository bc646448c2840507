import { JsonScanner } from './json-scanner';
import type { Schema } from './schema';

// An event stream needs a scanner only while an event's data is arriving; between events (where an
// open stream waiting for its next token spends its time) it holds none. Readers run synchronously,
// one chunk at a time, and an event nearly always ends in the chunk it began in, so a handful of
// scanners per format serve every stream of the process.

const MAX_IDLE_PER_SCHEMA = 8;
const idle = new Map<Schema, JsonScanner[]>();

/** A scanner for `schema`, ready for a new document. */
export function takeScanner(schema: Schema): JsonScanner {
  const scanner = idle.get(schema)?.pop();
  if (scanner === undefined) return new JsonScanner(schema);
  scanner.reset();
  return scanner;
}

/** Gives a scanner back once its document has been read: its slots must not be used after. */
export function giveBackScanner(scanner: JsonScanner): void {
  let list = idle.get(scanner.schema);
  if (list === undefined) idle.set(scanner.schema, (list = []));
  if (list.length < MAX_IDLE_PER_SCHEMA) {
    // Nothing of the last document is kept while the scanner waits.
    scanner.reset();
    list.push(scanner);
  }
}
