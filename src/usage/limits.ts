// The bounds that keep a reader's cost and memory independent of the response's size. Each reader
// holds fixed-size state only, whatever the body's length, a line's length or the number of events:
// about 1.5 KiB of objects and numbers, a nesting stack of MAX_DEPTH bits, an SSE event name of
// MAX_EVENT_NAME_BYTES, and, only while a captured value (a key, a model, a count) is cut by a chunk's
// end, a buffer of MAX_CAPTURE_BYTES; plus, for a compressed body, zlib's window and at most
// MAX_PENDING_COMPRESSED_BYTES waiting for it.

/**
 * The most bytes of one JSON document (the JSON body, or one SSE event's data) the reader scans
 * before giving up on it (`too_large`). A cost bound: about 16 ms of scanning at the target speed,
 * and where a decompression bomb stops being inflated. Nothing of the document is held.
 */
export const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;

/**
 * The deepest nesting of arrays and objects the scanner follows (one bit each); deeper documents are
 * given up on as `too_large`. Provider responses nest a dozen levels at most.
 */
export const MAX_DEPTH = 1024;

/**
 * The longest key, as JSON text, that is compared with the names the reader looks for. Longer keys
 * cannot be any of them, even with every character escaped as `\uXXXX` (the longest name has 27).
 */
export const MAX_KEY_BYTES = 192;

/** The most characters of a model name; a longer one is not reported. */
export const MAX_MODEL_CHARS = 256;

/**
 * The longest string value, as JSON text, that is captured: a model name of MAX_MODEL_CHARS, even
 * with every character escaped (`\uD83D\uDE80` is 12 bytes for one). Only a value cut by a chunk's
 * end is copied, into a buffer of this size held until the value ends.
 */
export const MAX_CAPTURE_BYTES = MAX_MODEL_CHARS * 12;

/**
 * The longest number, as JSON text, read as a token count; a longer one is `malformed`. A safe
 * integer has 16 digits; the rest leaves room for a fraction or an exponent that still make one.
 */
export const MAX_NUMBER_BYTES = 32;

/** The longest SSE `event:` name kept for comparison; the names the reader looks for have at most 20. */
export const MAX_EVENT_NAME_BYTES = 64;

/**
 * The most compressed bytes waiting for the (asynchronous) decompressor. A gateway writing faster
 * than zlib inflates would otherwise grow this queue without bound: past it, the reader gives up
 * (`too_large`) rather than hold the body.
 */
export const MAX_PENDING_COMPRESSED_BYTES = 4 * 1024 * 1024;
