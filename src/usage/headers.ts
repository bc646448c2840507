/** The Content-Encodings a reader can undo. */
export type ContentCoding = 'identity' | 'gzip' | 'deflate' | 'br' | 'zstd';

/** Whether a Content-Type is `text/event-stream` (media type only, any letter case, parameters ignored). */
export function isEventStream(contentType: string | undefined): boolean {
  if (typeof contentType !== 'string') return false;
  // Compared in place: this runs once per response, and slicing and lowercasing allocate.
  let i = 0;
  while (i < contentType.length && isSpace(contentType.charCodeAt(i))) i++;
  if (contentType.length - i < EVENT_STREAM.length) return false;
  for (let k = 0; k < EVENT_STREAM.length; k++) {
    let c = contentType.charCodeAt(i + k);
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    if (c !== EVENT_STREAM.charCodeAt(k)) return false;
  }
  for (i += EVENT_STREAM.length; i < contentType.length; i++) {
    const c = contentType.charCodeAt(i);
    if (c === 0x3b) return true;
    if (!isSpace(c)) return false;
  }
  return true;
}

const EVENT_STREAM = 'text/event-stream';

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/**
 * The coding a Content-Encoding names, or undefined when the reader cannot undo it. `identity` and
 * empty entries are no coding; `x-gzip` is gzip. A stack of codings ("gzip, br") is not undone:
 * servers do not send one for model responses, and each layer would add a decompressor's window.
 */
export function contentCoding(contentEncoding: string | undefined): ContentCoding | undefined {
  if (typeof contentEncoding !== 'string') return 'identity';
  let coding: ContentCoding = 'identity';
  for (const entry of contentEncoding.split(',')) {
    const name = entry.trim().toLowerCase();
    if (name === '' || name === 'identity') continue;
    if (coding !== 'identity') return undefined;
    if (name === 'gzip' || name === 'x-gzip') coding = 'gzip';
    else if (name === 'deflate') coding = 'deflate';
    else if (name === 'br') coding = 'br';
    else if (name === 'zstd') coding = 'zstd';
    else return undefined;
  }
  return coding;
}
