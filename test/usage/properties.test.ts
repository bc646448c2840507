import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createUsageReader } from '../../src/usage/usage-reader';
import type { Usage, UsageFormat, UsageOutcome } from '../../src/usage/types';
import { FIXTURES, JSON_TYPE, readChunks, referenceModelOk, referenceOpenAiUsage, splitAt, SSE } from './support';

// Seeded, so a failure names a case anyone can replay; PROPERTY_RUNS raises the counts for soaks.
const SEED = Number(process.env.PROPERTY_SEED ?? 20261129);
const runs = (n: number) => Number(process.env.PROPERTY_RUNS ?? n);
const FORMATS: readonly UsageFormat[] = ['openai_chat_completions', 'openai_responses', 'anthropic_messages'];

/** Sorted distinct cut points inside `length`. */
const cuts = (length: number, max = 40) =>
  fc
    .uniqueArray(fc.integer({ min: 1, max: Math.max(1, length - 1) }), { maxLength: max })
    .map((a) => a.sort((x, y) => x - y));

describe('properties: chunking', () => {
  it.each(FIXTURES.map((f) => [f.name, f] as const))(
    '%s reads the same however its bytes are split',
    async (_name, f) => {
      await fc.assert(
        fc.asyncProperty(cuts(f.bytes.length), async (at) => {
          expect(await readChunks(f.format, splitAt(f.bytes, at), { contentType: f.contentType })).toEqual(f.expected);
        }),
        { seed: SEED, numRuns: runs(300) },
      );
    },
  );

  it.each(FIXTURES.filter((f) => f.name.endsWith('.sse')).map((f) => [f.name, f] as const))(
    '%s with CRLF line ends reads the same however split',
    async (_name, f) => {
      const crlf = Buffer.from(f.bytes.toString('utf8').replaceAll('\n', '\r\n'));
      await fc.assert(
        fc.asyncProperty(cuts(crlf.length, 200), async (at) => {
          expect(await readChunks(f.format, splitAt(crlf, at), { contentType: f.contentType })).toEqual(f.expected);
        }),
        { seed: SEED, numRuns: runs(200) },
      );
    },
  );

  it.each(FIXTURES.map((f) => [f.name, f] as const))(
    '%s written as utf8 strings reads the same however split',
    async (_name, f) => {
      const text = f.bytes.toString('utf8');
      // Cuts inside a surrogate pair would change the bytes sent (each half is encoded as U+FFFD).
      const safe = (at: number) => (at > 0 && at < text.length && /[\uDC00-\uDFFF]/.test(text[at]!) ? at + 1 : at);
      await fc.assert(
        fc.asyncProperty(cuts(text.length), async (at) => {
          const points = [...new Set(at.map(safe))].filter((p) => p < text.length);
          const pieces = points
            .map((p, i) => text.slice(i === 0 ? 0 : points[i - 1], p))
            .concat(text.slice(points.at(-1) ?? 0));
          expect(await readChunks(f.format, pieces, { contentType: f.contentType })).toEqual(f.expected);
        }),
        { seed: SEED, numRuns: runs(200) },
      );
    },
  );

  it.each(FIXTURES.map((f) => [f.name, f] as const))(
    '%s in gzip reads the same however its compressed bytes are split',
    async (_name, f) => {
      const gzip = gzipSync(f.bytes);
      await fc.assert(
        fc.asyncProperty(cuts(gzip.length), async (at) => {
          expect(
            await readChunks(f.format, splitAt(gzip, at), { contentType: f.contentType, contentEncoding: 'gzip' }),
          ).toEqual(f.expected);
        }),
        { seed: SEED, numRuns: runs(50) },
      );
    },
  );
});

// ---------------------------------------------------------------------------------------------
// Any bytes at all: the reader never throws, calls `done` once, and says something consistent.

function checkOutcome(outcome: UsageOutcome, streaming: boolean): void {
  expect(outcome.streaming).toBe(streaming);
  expect(outcome.usage === undefined).toBe(outcome.unavailable !== undefined);
  expect(outcome.partial === undefined).toBe(outcome.unavailable !== 'truncated');
  if (outcome.model !== undefined) expect(referenceModelOk(outcome.model)).toBe(true);
  const check = (u: Partial<Usage>) => {
    for (const value of Object.values(u)) expect(Number.isSafeInteger(value) && value >= 0).toBe(true);
  };
  if (outcome.usage !== undefined) {
    check(outcome.usage);
    const u = outcome.usage;
    expect((u.cacheReadInputTokens ?? 0) + (u.cacheCreationInputTokens ?? 0)).toBeLessThanOrEqual(u.inputTokens);
    expect(u.reasoningOutputTokens ?? 0).toBeLessThanOrEqual(u.outputTokens);
  }
  if (outcome.partial !== undefined) check(outcome.partial);
}

/** A fixture's bytes, damaged: bytes flipped, ranges dropped, repeated or replaced by random ones. */
const damaged = fc
  .tuple(
    fc.constantFrom(...FIXTURES),
    fc.array(
      fc.tuple(
        fc.constantFrom('flip', 'drop', 'repeat', 'insert'),
        fc.nat(),
        fc.nat(64),
        fc.uint8Array({ maxLength: 16 }),
      ),
      { maxLength: 8 },
    ),
  )
  .map(([f, edits]) => {
    let bytes = Buffer.from(f.bytes);
    for (const [edit, at, length, random] of edits) {
      const i = at % (bytes.length + 1);
      if (edit === 'flip' && i < bytes.length) bytes[i]! ^= 1 << (length % 8);
      else if (edit === 'drop') bytes = Buffer.concat([bytes.subarray(0, i), bytes.subarray(i + length)]);
      else if (edit === 'repeat') bytes = Buffer.concat([bytes.subarray(0, i + length), bytes.subarray(i)]);
      else bytes = Buffer.concat([bytes.subarray(0, i), random, bytes.subarray(i)]);
    }
    return { format: f.format, streaming: f.name.endsWith('.sse'), bytes };
  });

const anyBytes = fc.record({
  format: fc.constantFrom(...FORMATS),
  streaming: fc.boolean(),
  bytes: fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.from(b)),
});

describe('properties: hostile bytes', () => {
  it('any bytes, damaged responses included, in any chunks: no throw, one consistent outcome', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(damaged, anyBytes),
        fc.nat(),
        fc.constantFrom(undefined, 'gzip', 'deflate', 'br'),
        fc.boolean(),
        fc.boolean(),
        async (body, seed, encoding, aborted, asString) => {
          const reader = createUsageReader(body.format, {
            contentType: body.streaming ? SSE : JSON_TYPE,
            contentEncoding: encoding,
          });
          // For an encoding, the bytes are taken as already compressed: mostly garbage to zlib.
          const rng = fc.sample(cuts(body.bytes.length, 20), { seed, numRuns: 1 })[0]!;
          for (const piece of splitAt(body.bytes, rng)) {
            if (asString) reader.write(piece.toString('latin1'), 'latin1');
            else reader.write(piece);
          }
          const outcomes: UsageOutcome[] = [];
          await new Promise<void>((resolve) => {
            reader.end(aborted, (o) => {
              outcomes.push(o);
              resolve();
            });
          });
          await new Promise((resolve) => setImmediate(resolve));
          expect(outcomes).toHaveLength(1);
          checkOutcome(outcomes[0]!, body.streaming);
        },
      ),
      { seed: SEED, numRuns: runs(2000) },
    );
  });

  it('writes of values res.write would refuse are ignored, never thrown on', () => {
    const reader = createUsageReader('openai_chat_completions', { contentType: JSON_TYPE, contentEncoding: undefined });
    for (const chunk of [null, undefined, 42, {}, [], new DataView(new ArrayBuffer(4)), 'text'] as unknown[]) {
      expect(() => reader.write(chunk as string, 'no-such-encoding' as BufferEncoding)).not.toThrow();
    }
    expect(() => reader.end(false, () => {})).not.toThrow();
  });

  it('an unknown format is refused when the reader is made', () => {
    expect(() =>
      createUsageReader('toString' as UsageFormat, { contentType: JSON_TYPE, contentEncoding: undefined }),
    ).toThrow(TypeError);
  });

  it('a done callback that throws does not escape', () => {
    const reader = createUsageReader('openai_chat_completions', { contentType: JSON_TYPE, contentEncoding: undefined });
    expect(() =>
      reader.end(false, () => {
        throw new Error('caller bug');
      }),
    ).not.toThrow();
  });
});

// ---------------------------------------------------------------------------------------------
// Differential: JSON bodies built at random read as a reference reader built on JSON.parse reads them.

const COUNT_KEYS: Record<UsageFormat, readonly string[]> = {
  openai_chat_completions: ['prompt_tokens', 'completion_tokens'],
  openai_responses: ['input_tokens', 'output_tokens'],
  anthropic_messages: ['input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_creation_input_tokens'],
};
const DETAILS: Record<UsageFormat, readonly [string, string][]> = {
  openai_chat_completions: [
    ['prompt_tokens_details', 'cached_tokens'],
    ['completion_tokens_details', 'reasoning_tokens'],
  ],
  openai_responses: [
    ['input_tokens_details', 'cached_tokens'],
    ['output_tokens_details', 'reasoning_tokens'],
  ],
  anthropic_messages: [],
};

// JSON text is built piece by piece, so that keys may repeat and anything may be escaped.
const ws = fc.constantFrom('', '', '', ' ', '\n  ', '\t', '\r\n');

/** A string as JSON text, with some characters escaped, as any encoder may. */
function jsonString(value: string, escapeMask: number): string {
  const plain = JSON.stringify(value).slice(1, -1);
  if (escapeMask === 0) return `"${plain}"`;
  let out = '';
  let k = 0;
  for (let i = 0; i < plain.length; i++) {
    const c = plain[i]!;
    if (c === '\\') {
      const len = plain[i + 1] === 'u' ? 6 : 2;
      out += plain.slice(i, i + len);
      i += len - 1;
    } else if ((escapeMask >> (k++ % 30)) & 1) out += `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
    else out += c;
  }
  return `"${out}"`;
}

const modelValue = fc.oneof(
  fc.constantFrom('gpt-4o', 'claude-sonnet-4-5', 'o4-mini-2025-04-16', ''),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ minLength: 250, maxLength: 260 }),
);
const numberText = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 100000 }).map(String) },
  fc.integer({ min: -5, max: 5 }).map(String),
  fc.constantFrom(
    '0',
    '-0',
    '1.0',
    '1e2',
    '1E+2',
    '25e-1',
    '2.5',
    '9007199254740991',
    '9007199254740992',
    '1e300',
    '0.0000',
    '12.50e1',
    '-0.0',
  ),
);

function keyText(key: string, mask: number) {
  return jsonString(key, mask);
}

const leaf: fc.Arbitrary<string> = fc.oneof(
  numberText,
  fc.constantFrom('null', 'true', 'false', '"12"', '{}', '[]', '[1,2]'),
  fc.string({ maxLength: 8 }).map((s) => JSON.stringify(s)),
);

/** An object's text from entries, with whitespace around the tokens. */
const objectOf = (entries: fc.Arbitrary<[string, string][]>) =>
  fc.tuple(entries, fc.array(ws, { minLength: 8, maxLength: 8 })).map(([pairs, spaces]) => {
    const s = (i: number) => spaces[i % spaces.length]!;
    return `{${s(0)}${pairs.map(([k, v], i) => `${k}${s(i + 1)}:${s(i + 2)}${v}`).join(`${s(3)},${s(4)}`)}${s(5)}}`;
  });

function usageArbitrary(format: UsageFormat): fc.Arbitrary<string> {
  const countEntry = fc.tuple(
    fc.constantFrom(...COUNT_KEYS[format]),
    fc.nat(),
    fc.oneof({ weight: 4, arbitrary: numberText }, { weight: 1, arbitrary: leaf }),
  );
  const detailsEntry =
    DETAILS[format].length === 0
      ? fc.constant(null)
      : fc.tuple(fc.constantFrom(...DETAILS[format]), fc.nat(), fc.oneof(numberText, leaf), fc.nat(), fc.boolean());
  return objectOf(
    fc
      .tuple(
        fc.array(countEntry, { maxLength: 6 }),
        fc.array(detailsEntry, { maxLength: 2 }),
        fc.array(fc.tuple(fc.string({ maxLength: 6 }), leaf), { maxLength: 2 }),
      )
      .map(([counts, details, other]) => {
        const entries: [string, string][] = counts.map(([k, mask, v]) => [keyText(k, mask % 4 === 0 ? mask : 0), v]);
        for (const d of details) {
          if (d === null) continue;
          const [[outer, inner], mask, value, innerMask, asNull] = d;
          entries.push([
            keyText(outer, mask % 5 === 0 ? mask : 0),
            asNull ? 'null' : `{${keyText(inner, innerMask % 5 === 0 ? innerMask : 0)}:${value}}`,
          ]);
        }
        for (const [k, v] of other) entries.push([JSON.stringify(k), v]);
        return entries;
      }),
  );
}

function bodyArbitrary(format: UsageFormat): fc.Arbitrary<string> {
  const usage = fc.oneof({ weight: 6, arbitrary: usageArbitrary(format) }, { weight: 1, arbitrary: leaf });
  const model = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.tuple(modelValue, fc.nat()).map(([m, mask]) => jsonString(m, mask % 3 === 0 ? mask : 0)),
    },
    { weight: 1, arbitrary: leaf },
  );
  const nested = fc.tuple(usage, model).map(
    ([u, m]) =>
      `{"choices":[{"message":{"usage":${u},"model":${m}}}],"content":"\\"usage\\": ${u
        .replaceAll('\\', '\\\\')
        .replaceAll('"', '\\"')
        .replace(/[\n\r\t]/g, ' ')}"}`,
  );
  const entry = fc.oneof(
    fc.tuple(fc.nat(), usage).map(([mask, u]): [string, string] => [keyText('usage', mask % 4 === 0 ? mask : 0), u]),
    fc.tuple(fc.nat(), model).map(([mask, m]): [string, string] => [keyText('model', mask % 4 === 0 ? mask : 0), m]),
    nested.map((n): [string, string] => ['"meta"', n]),
    fc.tuple(fc.string({ maxLength: 8 }), leaf).map(([k, v]): [string, string] => [JSON.stringify(k), v]),
  );
  return fc.oneof(
    { weight: 12, arbitrary: objectOf(fc.array(entry, { maxLength: 7 })) },
    { weight: 1, arbitrary: leaf },
    { weight: 1, arbitrary: usage.map((u) => `[${u}]`) },
  );
}

/** What the contract says a JSON body reads as, computed with JSON.parse. */
function reference(format: UsageFormat, text: string): UsageOutcome {
  const outcome = (
    model: string | undefined,
    usage: Usage | undefined,
    reason?: UsageOutcome['unavailable'],
  ): UsageOutcome => ({
    streaming: false,
    model,
    usage,
    unavailable: usage === undefined ? reason : undefined,
    partial: undefined,
  });
  const doc: unknown = JSON.parse(text);
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(doc)) return outcome(undefined, undefined, 'missing');
  const model = referenceModelOk(doc.model) ? doc.model : undefined;
  const u = doc.usage;
  if (u === undefined || u === null) return outcome(model, undefined, 'missing');
  if (!isObject(u)) return outcome(model, undefined, 'malformed');
  let bad = false;
  const count = (v: unknown): number | undefined => {
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v + 0;
    bad = true;
    return undefined;
  };
  let usage: Usage | undefined;
  if (format === 'anthropic_messages') {
    const [i, o, r, c] = [
      count(u.input_tokens),
      count(u.output_tokens),
      count(u.cache_read_input_tokens),
      count(u.cache_creation_input_tokens),
    ];
    const input = i === undefined ? undefined : i + (r ?? 0) + (c ?? 0);
    if (!bad && input !== undefined && o !== undefined && Number.isSafeInteger(input)) {
      usage = {
        inputTokens: input,
        outputTokens: o,
        ...(r !== undefined && { cacheReadInputTokens: r }),
        ...(c !== undefined && { cacheCreationInputTokens: c }),
      };
    }
  } else {
    usage = referenceOpenAiUsage(u, format === 'openai_chat_completions');
  }
  return outcome(model, usage, 'malformed');
}

describe('properties: JSON bodies against JSON.parse', () => {
  it.each(FORMATS)('%s: a random body, in random chunks, reads as the reference reads it', async (format) => {
    const seen = { usage: 0, malformed: 0, missing: 0, model: 0 };
    await fc.assert(
      fc.asyncProperty(bodyArbitrary(format), fc.nat(), async (text, seed) => {
        const bytes = Buffer.from(text);
        const at = fc.sample(cuts(bytes.length, 12), { seed, numRuns: 1 })[0]!;
        // The reference reads the bytes too: a lone surrogate in `text` is sent as U+FFFD.
        const expected = reference(format, bytes.toString('utf8'));
        expect(await readChunks(format, splitAt(bytes, at))).toEqual(expected);
        seen[
          expected.unavailable === undefined ? 'usage' : expected.unavailable === 'malformed' ? 'malformed' : 'missing'
        ]++;
        if (expected.model !== undefined) seen.model++;
      }),
      { seed: SEED, numRuns: runs(1500) },
    );
    // The bodies exercise every answer, not only the easy one.
    const total = seen.usage + seen.malformed + seen.missing;
    for (const count of Object.values(seen)) expect(count / total).toBeGreaterThan(0.02);
  });
});
