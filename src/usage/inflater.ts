import {
  constants,
  createBrotliDecompress,
  createGunzip,
  createInflate,
  createInflateRaw,
  createZstdDecompress,
} from 'node:zlib';
import type { Transform } from 'node:stream';
import { forEachPiece } from './chunk-bytes';
import type { ContentCoding } from './headers';
import { MAX_PENDING_COMPRESSED_BYTES } from './limits';
import type { BodyReader, Interruption } from './outcome';

/**
 * Undoes a Content-Encoding as the bytes pass, with a node:zlib stream, and feeds what comes out to
 * the body reader. It holds zlib's own window and the compressed bytes zlib has not taken yet (copies,
 * never the gateway's chunks; at most MAX_PENDING_COMPRESSED_BYTES). Once the body reader needs no
 * more, the stream is destroyed: a decompression bomb stops being inflated there.
 */
export class Inflater {
  /** Why decoding stopped before the body's end, if it did. */
  interruption: Interruption = undefined;
  private stream: Transform | null = null;
  private stopped = false;
  private ending = false;
  private finished = false;

  constructor(
    private readonly coding: Exclude<ContentCoding, 'identity'>,
    private readonly body: BodyReader,
    /** Called once the body has ended and decoding is over (only when `end` returned true). */
    private readonly onFinished: () => void,
  ) {}

  write(chunk: unknown, encoding: unknown): void {
    if (this.stopped) return;
    forEachPiece(chunk, encoding, this);
  }

  /** The body has ended. Returns whether decoding goes on, to end with `onFinished`. */
  end(): boolean {
    this.ending = true;
    if (this.stream === null || this.stopped) return false;
    this.stream.end();
    return true;
  }

  /** A piece of the compressed body. */
  piece(buf: Buffer, start: number, end: number): void {
    if (this.stopped || start === end) return;
    const stream = this.stream ?? this.open(buf[start]!);
    // A copy: zlib reads it later, and the gateway may reuse its buffer once `write` returns.
    stream.write(Buffer.copyBytesFrom(buf, start, end - start));
    if (stream.writableLength > MAX_PENDING_COMPRESSED_BYTES) {
      this.interruption = 'too_large';
      this.stop();
    }
  }

  private open(firstByte: number): Transform {
    let stream: Transform;
    if (this.coding === 'gzip') stream = createGunzip({ finishFlush: constants.Z_SYNC_FLUSH });
    else if (this.coding === 'br') stream = createBrotliDecompress({ finishFlush: constants.BROTLI_OPERATION_FLUSH });
    // Real clients offer zstd (Codex, Claude Code, OpenCode, Kilo), and Node decodes it from 22.15 on.
    else if (this.coding === 'zstd') stream = createZstdDecompress({ finishFlush: constants.ZSTD_e_flush });
    // "deflate" should be zlib-wrapped (RFC 9110), but some servers send raw deflate: a zlib stream
    // starts with a CMF byte naming method 8 and a window of at most 32 KiB.
    else if ((firstByte & 0x0f) === 8 && firstByte >>> 4 <= 7)
      stream = createInflate({ finishFlush: constants.Z_SYNC_FLUSH });
    else stream = createInflateRaw({ finishFlush: constants.Z_SYNC_FLUSH });
    // A body cut short ends zlib without an error (Z_SYNC_FLUSH): the body reader judges truncation
    // from what it read; corrupt bytes still fail.
    stream.on('data', this.onData);
    stream.on('error', this.onError);
    stream.on('end', this.onEnd);
    this.stream = stream;
    return stream;
  }

  private readonly onData = (out: Buffer): void => {
    if (this.stopped) return;
    try {
      this.body.push(out, 0, out.length);
    } catch {
      this.interruption = 'malformed';
    }
    if (this.body.satisfied || this.interruption !== undefined) this.stop();
  };

  private readonly onError = (): void => {
    if (!this.stopped) this.interruption ??= 'malformed';
    this.stop();
  };

  private readonly onEnd = (): void => {
    this.stopped = true;
    this.finish();
  };

  private stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.stream?.destroy();
    this.finish();
  }

  private finish(): void {
    if (!this.ending || this.finished) return;
    this.finished = true;
    this.onFinished();
  }
}
