import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isObjectShaped, LineWatch, namesUsage } from '../../src/usage/usage-key';

const SEED = Number(process.env.PROPERTY_SEED ?? 20261129);

/**
 * The answer for a whole line, as the reader gives it when the line arrives in one piece: amid
 * other bytes of the chunk, which must not count, even where they would make a key with the line's.
 */
function wholeLinePasses(line: string): boolean {
  const before = Buffer.from('"usage":1 "usa');
  const buf = Buffer.concat([before, Buffer.from(line), Buffer.from('ge":1 "usage":{}')]);
  const end = buf.length - 'ge":1 "usage":{}'.length;
  return isObjectShaped(buf, before.length, end) && !namesUsage(buf, before.length, end);
}

/** The answer for the same line cut at `cuts`, as the reader gives it when chunks cut the line. */
function piecewisePasses(line: string, cuts: readonly number[]): boolean {
  const buf = Buffer.from(line);
  const watch = new LineWatch();
  watch.begin();
  let from = 0;
  for (const cut of [...cuts, buf.length]) {
    watch.feed(buf, from, cut);
    from = cut;
  }
  return watch.passes();
}

const LINES: readonly [string, boolean][] = [
  ['{"choices":[{"delta":{"content":"hi"}}],"usage":null}', true],
  ['{"choices":[]}', true],
  ['{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4}}', false],
  ['{"choices":[],"usage" :\t{"prompt_tokens":3}}', false],
  ['{"choices":[],"usage" : null }', true],
  ['{"usage":nul}', false],
  ['{"usage":nullx}', true],
  ['{"usage":5}', false],
  ['{"usage":}', false],
  ['{"usage":', false],
  ['{"role":"usage"}', true],
  ['{"a":"usage"usage":{}}', false],
  ['{"a":"usage" usage":{}}', true],
  ['{"content":"\\"usage\\":{\\"prompt_tokens\\":5}"}', true],
  ['{"choices":[{"delta":{"usage":{"prompt_tokens":5}}}]}', false],
  ['[1,2]', false],
  ['{"choices":[}', true],
  ['  {"choices":[]}  ', true],
  ['{', false],
  ['}', false],
  ['', false],
  ['[DONE]', false],
];

describe('a data line that names no usage', () => {
  it.each(LINES)('%j passes: %s', (line, passes) => {
    expect(wholeLinePasses(line)).toBe(passes);
  });

  it.each(LINES)('%j gets the same answer cut at every byte', (line, passes) => {
    const length = Buffer.byteLength(line);
    for (let cut = 0; cut <= length; cut++) expect(piecewisePasses(line, [cut])).toBe(passes);
    expect(
      piecewisePasses(
        line,
        Array.from({ length }, (_, i) => i),
      ),
    ).toBe(passes);
  });

  it('gets the same answer whole or cut anywhere, for lines of JSON-ish tokens', () => {
    const token = fc.constantFrom(
      '{',
      '}',
      '[',
      ']',
      ':',
      ',',
      ' ',
      '\t',
      '"usage"',
      '"usage',
      'usage"',
      '"',
      'null',
      'nul',
      'n',
      '"x"',
      '5',
      '\\"',
      'é',
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 24 }), fc.uniqueArray(fc.nat(200), { maxLength: 6 }), (tokens, at) => {
        const line = tokens.join('');
        const length = Buffer.byteLength(line);
        const cuts = at.filter((cut) => cut <= length).sort((a, b) => a - b);
        expect(piecewisePasses(line, cuts)).toBe(wholeLinePasses(line));
      }),
      { seed: SEED, numRuns: 20_000 },
    );
  });
});
