import { describe, expect, it } from 'vitest';
import type { UsageOutcome } from '../../src/usage/types';
import { bytesOf, CASES, type ProviderCase } from './provider-cases';
import { chunksOf, JSON_TYPE, readChunks, splitAt, SSE } from './support';

// Responses in the shapes real providers send, read whole, cut at every byte, a byte at a time and
// at every line end: usage as the contract says, and nothing dropped for a part that cannot be right.

const expected = (c: ProviderCase): UsageOutcome => ({
  streaming: c.file.endsWith('.sse'),
  model: c.model,
  usage: c.usage,
  unavailable: undefined,
  partial: undefined,
});
const read = (c: ProviderCase, chunks: readonly Buffer[]) =>
  readChunks(c.format, chunks, { contentType: c.file.endsWith('.sse') ? SSE : JSON_TYPE });

describe('responses as real providers send them', () => {
  it.each(CASES.map((c) => [c.why, c] as const))('%s: read whole', async (_, c) => {
    expect(await read(c, [bytesOf(c.file)])).toEqual(expected(c));
  });

  it.each(CASES.map((c) => [c.why, c] as const))('%s: cut in two at every byte', async (_, c) => {
    const bytes = bytesOf(c.file);
    for (let at = 1; at < bytes.length; at++) {
      expect(await read(c, splitAt(bytes, [at])), `cut at byte ${at}`).toEqual(expected(c));
    }
  });

  it.each(CASES.map((c) => [c.why, c] as const))('%s: a byte at a time', async (_, c) => {
    expect(await read(c, chunksOf(bytesOf(c.file), 1))).toEqual(expected(c));
  });

  it.each(CASES.filter((c) => c.file.endsWith('.sse')).map((c) => [c.why, c] as const))(
    '%s: cut at every line end',
    async (_, c) => {
      const text = bytesOf(c.file).toString('utf8');
      const lines = text.split(/(?<=\n)/).map((line) => Buffer.from(line));
      expect(await read(c, lines)).toEqual(expected(c));
    },
  );
});
