import { describe, expect, it } from 'vitest';
import { chunksOf, FIXTURES, readBody, readChunks } from './support';

describe('the six response shapes', () => {
  it.each(FIXTURES.map((f) => [f.name, f] as const))('%s reads its model and usage', async (_name, f) => {
    expect(await readBody(f.format, f.bytes, { contentType: f.contentType })).toEqual(f.expected);
  });

  it.each(FIXTURES.map((f) => [f.name, f] as const))('%s reads the same one byte at a time', async (_name, f) => {
    expect(await readChunks(f.format, chunksOf(f.bytes, 1), { contentType: f.contentType })).toEqual(f.expected);
  });

  it.each(FIXTURES.map((f) => [f.name, f] as const))(
    '%s reads the same when written as utf8 strings',
    async (_name, f) => {
      const text = f.bytes.toString('utf8');
      const pieces = [text.slice(0, 1000), text.slice(1000, 1001), text.slice(1001)];
      expect(await readChunks(f.format, pieces, { contentType: f.contentType })).toEqual(f.expected);
    },
  );

  it.each(FIXTURES.map((f) => [f.name, f] as const))(
    '%s reads the same when written as latin1 strings of its bytes',
    async (_name, f) => {
      const { createUsageReader } = await import('../../src/usage/usage-reader');
      const reader = createUsageReader(f.format, { contentType: f.contentType, contentEncoding: undefined });
      reader.write(f.bytes.toString('latin1'), 'latin1');
      expect(await new Promise((resolve) => reader.end(false, resolve))).toEqual(f.expected);
    },
  );

  it.each(FIXTURES.filter((f) => f.name.endsWith('.sse')).map((f) => [f.name, f] as const))(
    '%s reads the same with CRLF line ends',
    async (_name, f) => {
      const crlf = Buffer.from(f.bytes.toString('utf8').replaceAll('\n', '\r\n'));
      expect(await readChunks(f.format, chunksOf(crlf, 7), { contentType: f.contentType })).toEqual(f.expected);
    },
  );

  it.each(FIXTURES.filter((f) => f.name.endsWith('.sse')).map((f) => [f.name, f] as const))(
    '%s reads the same with CR line ends',
    async (_name, f) => {
      const cr = Buffer.from(f.bytes.toString('utf8').replaceAll('\n', '\r'));
      expect(await readChunks(f.format, chunksOf(cr, 5), { contentType: f.contentType })).toEqual(f.expected);
    },
  );
});
