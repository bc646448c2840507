// The gateway's chunks as bytes, without keeping them: strings are encoded into one scratch buffer,
// reused by every reader (readers run synchronously, one chunk at a time), so encoding costs no
// allocation that grows with the response.

const SCRATCH_BYTES = 64 * 1024;
const scratch = Buffer.allocUnsafe(SCRATCH_BYTES);
const encoder = new TextEncoder();
// UTF-8 takes at most three bytes per UTF-16 code unit (a surrogate pair, two units, takes four):
// a string this short always fits the scratch buffer whole.
const WHOLE_STRING_UNITS = Math.floor(SCRATCH_BYTES / 3);

export interface PieceSink {
  /** `buf[start, end)`: valid only during the call. */
  piece(buf: Buffer, start: number, end: number): void;
}

/**
 * Hands `sink` the bytes of `chunk` as `res.write` would send them, in one or more pieces. A piece is
 * only valid during the call. Chunks `res.write` would refuse (an unknown encoding, a value that is
 * neither a string nor a Uint8Array) give nothing.
 */
export function forEachPiece(chunk: unknown, encoding: unknown, sink: PieceSink): void {
  if (chunk instanceof Uint8Array) {
    if (Buffer.isBuffer(chunk)) sink.piece(chunk, 0, chunk.length);
    else sink.piece(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength), 0, chunk.byteLength);
    return;
  }
  if (typeof chunk !== 'string') return;
  if (encoding === undefined || encoding === null || encoding === 'utf8' || encoding === 'utf-8') {
    if (chunk.length <= WHOLE_STRING_UNITS) {
      // Node's own UTF-8 encoder, the one `res.write` uses, lone surrogates included; writing into
      // the scratch buffer allocates nothing per chunk.
      // (Given no offset, length or encoding, write takes its shortest path: about half the cost.)
      const written = scratch.write(chunk);
      if (written > 0) sink.piece(scratch, 0, written);
      return;
    }
    // TextEncoder#encodeInto never splits a surrogate pair across pieces, so each piece is what
    // Node's own encoding of the whole string would give at that place.
    let rest = chunk;
    while (rest.length > 0) {
      const { read, written } = encoder.encodeInto(rest, scratch);
      if (written > 0) sink.piece(scratch, 0, written);
      if (read >= rest.length || read === 0) return;
      rest = rest.slice(read);
    }
    return;
  }
  if (typeof encoding === 'string' && Buffer.isEncoding(encoding)) {
    const bytes = Buffer.from(chunk, encoding);
    sink.piece(bytes, 0, bytes.length);
  }
}
