import { randomBytes } from 'node:crypto';
import {
  brotliCompressSync,
  constants,
  createGzip,
  createZstdCompress,
  deflateRawSync,
  deflateSync,
  gzipSync,
  zstdCompressSync,
} from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Inflater } from '../../src/usage/inflater';
import { MAX_DOCUMENT_BYTES, MAX_PENDING_COMPRESSED_BYTES } from '../../src/usage/limits';
import type { BodyReader, Interruption } from '../../src/usage/outcome';
import { createUsageReader } from '../../src/usage/usage-reader';
import type { UsageOutcome } from '../../src/usage/types';
import { chunksOf, FIXTURES, fixtureNamed, readBody, readChunks, SSE, unavailable } from './support';

const ENCODERS: readonly [string, (bytes: Buffer) => Buffer][] = [
  ['gzip', (b) => gzipSync(b)],
  ['x-gzip', (b) => gzipSync(b)],
  ['deflate', (b) => deflateSync(b)],
  ['br', (b) => brotliCompressSync(b)],
  ['zstd', (b) => zstdCompressSync(b)],
];

describe('compressed bodies', () => {
  for (const [encoding, encode] of ENCODERS) {
    it.each(FIXTURES.map((f) => [f.name, f] as const))(`%s in ${encoding} reads as plain`, async (_name, f) => {
      expect(
        await readBody(f.format, encode(f.bytes), { contentType: f.contentType, contentEncoding: encoding }),
      ).toEqual(f.expected);
    });
  }

  it.each(FIXTURES.map((f) => [f.name, f] as const))(
    '%s in gzip written in 7-byte chunks reads as plain',
    async (_name, f) => {
      expect(
        await readChunks(f.format, chunksOf(gzipSync(f.bytes), 7), {
          contentType: f.contentType,
          contentEncoding: 'gzip',
        }),
      ).toEqual(f.expected);
    },
  );

  it('reads raw deflate sent as deflate', async () => {
    const f = fixtureNamed('anthropic-messages.sse');
    expect(
      await readBody(f.format, deflateRawSync(f.bytes), { contentType: f.contentType, contentEncoding: 'deflate' }),
    ).toEqual(f.expected);
  });

  it('reads a Content-Encoding in any letter case, with spaces and identity around it', async () => {
    const f = fixtureNamed('chat-completions.json');
    expect(await readBody(f.format, gzipSync(f.bytes), { contentEncoding: ' GZip , identity' })).toEqual(f.expected);
    expect(await readBody(f.format, f.bytes, { contentEncoding: 'Identity' })).toEqual(f.expected);
  });

  it('reads gzip of several members', async () => {
    const f = fixtureNamed('responses.json');
    const half = f.bytes.length >> 1;
    const body = Buffer.concat([gzipSync(f.bytes.subarray(0, half)), gzipSync(f.bytes.subarray(half))]);
    expect(await readBody(f.format, body, { contentEncoding: 'gzip' })).toEqual(f.expected);
  });

  it.each(['compress', 'gzip, zstd', 'br, gzip', 'aes128gcm'])(
    'is encoded for Content-Encoding %s',
    async (encoding) => {
      const f = fixtureNamed('chat-completions.sse');
      expect(await readBody(f.format, f.bytes, { contentType: SSE, contentEncoding: encoding })).toEqual(
        unavailable(true, undefined, 'encoded'),
      );
    },
  );

  it('is malformed when the gzip body is corrupt', async () => {
    const f = fixtureNamed('anthropic-messages.json');
    const body = gzipSync(f.bytes);
    for (let i = 20; i < body.length - 20; i += 7) body[i]! ^= 0x5a;
    expect((await readBody(f.format, body, { contentEncoding: 'gzip' })).unavailable).toBe('malformed');
  });

  it('is malformed when the body is not gzip at all', async () => {
    const f = fixtureNamed('anthropic-messages.json');
    expect((await readBody(f.format, f.bytes, { contentEncoding: 'gzip' })).unavailable).toBe('malformed');
  });

  it('is malformed when the gzip checksum is wrong', async () => {
    const f = fixtureNamed('chat-completions.json');
    const body = gzipSync(f.bytes);
    body[body.length - 8]! ^= 0xff;
    expect((await readBody(f.format, body, { contentEncoding: 'gzip' })).unavailable).toBe('malformed');
  });

  it('reads zstd in any letter case', async () => {
    const f = fixtureNamed('chat-completions.json');
    expect(await readBody(f.format, zstdCompressSync(f.bytes), { contentEncoding: 'ZSTD' })).toEqual(f.expected);
  });

  it('is malformed when the body is not zstd at all', async () => {
    const f = fixtureNamed('responses.json');
    expect((await readBody(f.format, f.bytes, { contentEncoding: 'zstd' })).unavailable).toBe('malformed');
  });

  it('is malformed when the zstd body is corrupt', async () => {
    const f = fixtureNamed('anthropic-messages.json');
    const body = zstdCompressSync(f.bytes);
    for (let i = 12; i < body.length - 4; i += 5) body[i]! ^= 0x5a;
    expect((await readBody(f.format, body, { contentEncoding: 'zstd' })).unavailable).toBe('malformed');
  });

  it('is truncated when a gzip JSON body is cut off', async () => {
    const f = fixtureNamed('chat-completions.json');
    const body = gzipSync(f.bytes);
    expect(
      (await readBody(f.format, body.subarray(0, body.length >> 1), { contentEncoding: 'gzip' })).unavailable,
    ).toBe('truncated');
  });

  it.each([
    ['gzip', () => createGzip(), constants.Z_SYNC_FLUSH],
    ['zstd', () => createZstdCompress(), constants.ZSTD_e_flush],
  ] as const)(
    'is truncated with what was seen when a %s stream, flushed per event, is aborted before its end',
    async (coding, compressor, flushMode) => {
      const f = fixtureNamed('anthropic-messages.sse');
      const text = f.bytes.toString('utf8');
      const events = text.slice(0, text.indexOf('event: message_stop')).split(/(?<=\n\n)/);
      const encoder = compressor();
      const compressed: Buffer[] = [];
      encoder.on('data', (c: Buffer) => compressed.push(c));
      // As a server streaming a compressed body does: each event flushed as it is sent, never ended.
      for (const event of events) {
        await new Promise<void>((resolve) => encoder.write(event, () => encoder.flush(flushMode, () => resolve())));
      }
      const outcome = await readChunks(f.format, compressed, {
        contentType: SSE,
        contentEncoding: coding,
        aborted: true,
      });
      expect(outcome).toEqual(
        unavailable(true, 'claude-sonnet-4-5-20250929', 'truncated', {
          inputTokens: 21516,
          outputTokens: 431,
          cacheReadInputTokens: 20480,
          cacheCreationInputTokens: 1024,
        }),
      );
      encoder.destroy();
    },
  );

  it('calls done once, after inflating, for a compressed body', async () => {
    const f = fixtureNamed('responses.sse');
    const reader = createUsageReader(f.format, { contentType: SSE, contentEncoding: 'br' });
    reader.write(brotliCompressSync(f.bytes));
    const calls: UsageOutcome[] = [];
    reader.end(false, (o) => calls.push(o));
    expect(calls).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    reader.end(false, (o) => calls.push(o));
    expect(calls).toEqual([f.expected, f.expected]);
  });

  it('does not keep the chunks it was given: changing them after write changes nothing', async () => {
    const f = fixtureNamed('chat-completions.json');
    const body = gzipSync(f.bytes);
    const reader = createUsageReader(f.format, { contentType: 'application/json', contentEncoding: 'gzip' });
    reader.write(body);
    body.fill(0);
    expect(await new Promise((resolve) => reader.end(false, resolve))).toEqual(f.expected);
  });

  it('gives up as too large rather than queue more compressed bytes than its bound', async () => {
    const f = fixtureNamed('chat-completions.json');
    const incompressible = gzipSync(randomBytes(MAX_PENDING_COMPRESSED_BYTES + 1024), { level: 0 });
    expect(await readBody(f.format, incompressible, { contentEncoding: 'gzip' })).toEqual(
      unavailable(false, undefined, 'too_large'),
    );
  });
});

describe('a decompression bomb', () => {
  /** A body that inflates to `{"content":"` and `megabytes` MiB of spaces, built without holding them. */
  async function bomb(coding: 'gzip' | 'zstd', megabytes: number): Promise<Buffer> {
    const gzip = coding === 'gzip' ? createGzip({ level: 9 }) : createZstdCompress();
    const out: Buffer[] = [];
    gzip.on('data', (c: Buffer) => out.push(c));
    const done = new Promise((resolve) => gzip.on('end', resolve));
    gzip.write('{"content":"');
    const spaces = Buffer.alloc(1024 * 1024, 0x20);
    for (let i = 0; i < megabytes; i++) {
      if (!gzip.write(spaces)) await new Promise((resolve) => gzip.once('drain', resolve));
    }
    gzip.end('"}');
    await done;
    return Buffer.concat(out);
  }

  it.each(['gzip', 'zstd'] as const)(
    'in %s is inflated only up to the document bound, then given up on as too large',
    async (coding) => {
      const compressed = await bomb(coding, 256);
      let inflated = 0;
      let pushes = 0;
      const { JsonBodyReader } = await import('../../src/usage/json-body');
      const { chatCompletionsJson } = await import('../../src/usage/chat-completions');
      const inner = new JsonBodyReader(chatCompletionsJson);
      const counting: BodyReader = {
        push: (buf, start, end) => {
          inflated += end - start;
          pushes++;
          inner.push(buf, start, end);
        },
        get satisfied() {
          return inner.satisfied;
        },
        outcome: (aborted: boolean, interruption: Interruption) => inner.outcome(aborted, interruption),
      };
      const outcome = await new Promise<UsageOutcome>((resolve) => {
        const inflater = new Inflater(coding, counting, () => resolve(counting.outcome(false, inflater.interruption)));
        inflater.write(compressed, undefined);
        if (!inflater.end()) resolve(counting.outcome(false, inflater.interruption));
      });
      expect(outcome).toEqual(unavailable(false, undefined, 'too_large'));
      expect(pushes).toBeGreaterThan(0);
      // zlib hands out 16 KiB at a time, and a few may be in flight when the reader stops it.
      expect(inflated).toBeLessThan(MAX_DOCUMENT_BYTES + 1024 * 1024);
    },
  );
});
