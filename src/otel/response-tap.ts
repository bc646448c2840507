import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { UsageFormat, UsageOutcome, UsageReader } from '../usage/types';
import { createUsageReader } from '../usage/usage-reader';
import { reportFault } from './plugin-diag';

/**
 * What a tapped response keeps: the methods it had before (whatever else wrapped them first), the
 * headers `writeHead` was given, and the reader, created at the first byte, once the headers that
 * say how to read the body are final.
 */
interface Tap {
  readonly format: UsageFormat;
  readonly writeHead: ServerResponse['writeHead'];
  readonly write: ServerResponse['write'];
  readonly end: ServerResponse['end'];
  contentType: string | undefined;
  contentEncoding: string | undefined;
  reader: UsageReader | undefined;
  /** Inside `end`, which may write through `write` in some stacks: each byte is seen once. */
  ending: boolean;
  /** A fault stopped the observation; the response goes on untouched. */
  failed: boolean;
}

const TAP = Symbol('aibridge-initiator-otel.tap');
type Tapped = ServerResponse & { [TAP]?: Tap };

/**
 * Observes the bytes the gateway sends to its client, however it writes them (`write`/`end`,
 * `pipe`, a framework), by wrapping this response's own methods. The wrappers are shared by every
 * response, call what was there before with the very same arguments, at the same moment, and never
 * change, hold or copy a byte.
 */
export function tapResponse(response: ServerResponse, format: UsageFormat): void {
  const tapped = response as Tapped;
  /* eslint-disable @typescript-eslint/unbound-method -- kept to be called with the response as `this` */
  tapped[TAP] = {
    format,
    writeHead: tapped.writeHead,
    write: tapped.write,
    end: tapped.end,
    contentType: undefined,
    contentEncoding: undefined,
    reader: undefined,
    ending: false,
    failed: false,
  };
  /* eslint-enable @typescript-eslint/unbound-method */
  tapped.writeHead = tappedWriteHead;
  tapped.write = tappedWrite as ServerResponse['write'];
  tapped.end = tappedEnd as ServerResponse['end'];
}

/**
 * What the response said of its usage, once it has closed: at once, or later when its body is
 * still being decompressed. Undefined when the response was not tapped or a fault stopped it.
 */
export function usageOfClosed(response: ServerResponse): UsageOutcome | Promise<UsageOutcome> | undefined {
  const tap = (response as Tapped)[TAP];
  if (tap === undefined || tap.failed) return undefined;
  try {
    const reader = tap.reader ?? readerOf(response, tap);
    let outcome: UsageOutcome | undefined;
    let deliver: ((settled: UsageOutcome) => void) | undefined;
    reader.end(!response.writableEnded, (settled) => {
      outcome = settled;
      deliver?.(settled);
    });
    return outcome ?? new Promise<UsageOutcome>((resolve) => (deliver = resolve));
  } catch (error) {
    reportFault('reading the usage of a response', error);
    return undefined;
  }
}

function readerOf(response: Tapped, tap: Tap): UsageReader {
  const reader = createUsageReader(tap.format, {
    contentType: tap.contentType ?? headerText(response.getHeader('content-type')),
    contentEncoding: tap.contentEncoding ?? headerText(response.getHeader('content-encoding')),
  });
  tap.reader = reader;
  return reader;
}

function observe(response: Tapped, tap: Tap, chunk: unknown, encoding: unknown): void {
  if (tap.failed || (typeof chunk !== 'string' && !(chunk instanceof Uint8Array))) return;
  try {
    (tap.reader ?? readerOf(response, tap)).write(
      chunk,
      typeof encoding === 'string' ? (encoding as BufferEncoding) : undefined,
    );
  } catch (error) {
    tap.failed = true;
    reportFault('reading the usage of a response', error);
  }
}

function tappedWriteHead(this: Tapped, ...args: unknown[]): ServerResponse {
  const tap = this[TAP]!;
  if (!tap.failed) {
    try {
      // Headers given to writeHead are not always visible through getHeader afterwards.
      const headers = (typeof args[1] === 'string' ? args[2] : args[1]) as
        OutgoingHttpHeaders | readonly unknown[] | undefined;
      if (headers !== undefined && headers !== null && typeof headers === 'object') {
        tap.contentType = findHeader(headers, 'content-type') ?? tap.contentType;
        tap.contentEncoding = findHeader(headers, 'content-encoding') ?? tap.contentEncoding;
      }
    } catch (error) {
      tap.failed = true;
      reportFault('reading the headers of a response', error);
    }
  }
  return tap.writeHead.apply(this, args as Parameters<ServerResponse['writeHead']>);
}

function tappedWrite(this: Tapped, chunk: unknown, encoding?: unknown): boolean {
  const tap = this[TAP]!;
  if (!tap.ending) observe(this, tap, chunk, encoding);
  // eslint-disable-next-line prefer-rest-params -- the original sees exactly the arguments it was given
  return tap.write.apply(this, arguments as unknown as Parameters<ServerResponse['write']>);
}

function tappedEnd(this: Tapped, chunk?: unknown, encoding?: unknown): ServerResponse {
  const tap = this[TAP]!;
  if (typeof chunk !== 'function') observe(this, tap, chunk, encoding);
  tap.ending = true;
  try {
    // eslint-disable-next-line prefer-rest-params -- as above
    return tap.end.apply(this, arguments as unknown as Parameters<ServerResponse['end']>);
  } finally {
    tap.ending = false;
  }
}

function findHeader(headers: OutgoingHttpHeaders | readonly unknown[], name: string): string | undefined {
  if (Array.isArray(headers)) {
    // A flat list of names and values, as Node takes it; pairs are accepted too.
    for (let i = 0; i < headers.length; i++) {
      const entry: unknown = headers[i];
      if (Array.isArray(entry)) {
        if (typeof entry[0] === 'string' && entry[0].toLowerCase() === name) return headerText(entry[1]);
      } else if (i % 2 === 0 && typeof entry === 'string' && entry.toLowerCase() === name)
        return headerText(headers[i + 1]);
    }
    return undefined;
  }
  for (const key of Object.keys(headers))
    if (key.toLowerCase() === name) return headerText((headers as OutgoingHttpHeaders)[key]);
  return undefined;
}

function headerText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string').join(', ');
  return typeof value === 'number' ? String(value) : undefined;
}
