import { describe, expect, it } from 'vitest';
import { MAX_DEPTH } from '../../src/usage/limits';
import type { UsageFormat } from '../../src/usage/types';
import { readBody, readChunks, unavailable } from './support';

const CHAT: UsageFormat = 'openai_chat_completions';
const RESPONSES: UsageFormat = 'openai_responses';
const ANTHROPIC: UsageFormat = 'anthropic_messages';

/** A Chat Completions body with the given `usage` JSON text. */
const chat = (usage: string, model = '"gpt-4o-2024-08-06"') =>
  `{"id":"chatcmpl-1","object":"chat.completion","created":1741570283,"model":${model},"choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}],"usage":${usage}}`;
const anthropic = (usage: string) =>
  `{"id":"msg_1","type":"message","role":"assistant","model":"claude-opus-4-1","content":[{"type":"text","text":"Hi"}],"usage":${usage}}`;
const responses = (usage: string) =>
  `{"id":"resp_1","object":"response","model":"gpt-4.1","output":[],"usage":${usage}}`;

describe('a JSON body: the counts', () => {
  it('maps Chat Completions counts, cached and reasoning ones included', async () => {
    const body = chat(
      '{"prompt_tokens":100,"completion_tokens":40,"total_tokens":140,"prompt_tokens_details":{"cached_tokens":64},"completion_tokens_details":{"reasoning_tokens":16}}',
    );
    expect((await readBody(CHAT, body)).usage).toEqual({
      inputTokens: 100,
      outputTokens: 40,
      cacheReadInputTokens: 64,
      reasoningOutputTokens: 16,
    });
  });

  it('maps Responses counts, cached and reasoning ones included', async () => {
    const body = responses(
      '{"input_tokens":100,"input_tokens_details":{"cached_tokens":0},"output_tokens":40,"output_tokens_details":{"reasoning_tokens":8},"total_tokens":140}',
    );
    expect((await readBody(RESPONSES, body)).usage).toEqual({
      inputTokens: 100,
      outputTokens: 40,
      cacheReadInputTokens: 0,
      reasoningOutputTokens: 8,
    });
  });

  it('adds Anthropic cache reads and writes to its input count', async () => {
    const body = anthropic(
      '{"input_tokens":10,"cache_creation_input_tokens":200,"cache_read_input_tokens":3000,"output_tokens":50}',
    );
    expect((await readBody(ANTHROPIC, body)).usage).toEqual({
      inputTokens: 3210,
      outputTokens: 50,
      cacheReadInputTokens: 3000,
      cacheCreationInputTokens: 200,
    });
  });

  it('leaves absent optional counts absent', async () => {
    expect((await readBody(CHAT, chat('{"prompt_tokens":1,"completion_tokens":2}'))).usage).toEqual({
      inputTokens: 1,
      outputTokens: 2,
    });
  });

  it('treats an optional count or details object given as null as absent', async () => {
    const outcome = await readBody(
      ANTHROPIC,
      anthropic(
        '{"input_tokens":10,"cache_creation_input_tokens":null,"cache_read_input_tokens":null,"output_tokens":5}',
      ),
    );
    expect(outcome.usage).toEqual({ inputTokens: 10, outputTokens: 5 });
    expect(
      (await readBody(CHAT, chat('{"prompt_tokens":1,"completion_tokens":2,"prompt_tokens_details":null}'))).usage,
    ).toEqual({ inputTokens: 1, outputTokens: 2 });
  });

  it('reads a count written with a fraction or exponent that JSON says is an integer', async () => {
    expect((await readBody(CHAT, chat('{"prompt_tokens":1.0e2,"completion_tokens":4.00}'))).usage).toEqual({
      inputTokens: 100,
      outputTokens: 4,
    });
  });

  it('reads the largest safe integer', async () => {
    expect((await readBody(CHAT, chat('{"prompt_tokens":9007199254740991,"completion_tokens":0}'))).usage).toEqual({
      inputTokens: 9007199254740991,
      outputTokens: 0,
    });
  });

  it('reads pretty-printed JSON with every kind of whitespace', async () => {
    const body =
      '\r\n{\n\t"model" :\t"gpt-4o" ,\r\n  "usage" : {\n    "prompt_tokens" : 3 ,\n    "completion_tokens" : 4\n  }\n}\n';
    expect(await readBody(CHAT, body)).toEqual({
      streaming: false,
      model: 'gpt-4o',
      usage: { inputTokens: 3, outputTokens: 4 },
      unavailable: undefined,
      partial: undefined,
    });
  });
});

describe('a JSON body: wholes that are not non-negative safe integers are malformed', () => {
  it.each([
    ['negative', '-1'],
    ['fractional', '1.5'],
    ['a string', '"12"'],
    ['over 2^53 - 1', '9007199254740992'],
    ['far over 2^53', '123456789012345678901234567890'],
    ['a boolean', 'true'],
    ['an object', '{}'],
    ['an array', '[1]'],
  ])('an input count that is %s', async (_what, value) => {
    expect(await readBody(CHAT, chat(`{"prompt_tokens":${value},"completion_tokens":2}`))).toEqual(
      unavailable(false, 'gpt-4o-2024-08-06', 'malformed'),
    );
  });

  // Anthropic's cache counts are added to its input count: each is a whole of its own.
  it('an Anthropic cache count that is negative', async () => {
    expect(
      (await readBody(ANTHROPIC, anthropic('{"input_tokens":1,"output_tokens":2,"cache_read_input_tokens":-5}')))
        .unavailable,
    ).toBe('malformed');
  });

  it('a missing input count', async () => {
    expect((await readBody(CHAT, chat('{"completion_tokens":2}'))).unavailable).toBe('malformed');
  });

  it('a missing output count', async () => {
    expect((await readBody(ANTHROPIC, anthropic('{"input_tokens":1}'))).unavailable).toBe('malformed');
  });

  it('an input count given as null', async () => {
    expect((await readBody(RESPONSES, responses('{"input_tokens":null,"output_tokens":2}'))).unavailable).toBe(
      'malformed',
    );
  });

  it('a usage that is not an object', async () => {
    expect((await readBody(CHAT, chat('"lots"'))).unavailable).toBe('malformed');
    expect((await readBody(CHAT, chat('[]'))).unavailable).toBe('malformed');
  });

  it('Anthropic figures whose sum is not a safe integer', async () => {
    expect(
      (
        await readBody(
          ANTHROPIC,
          anthropic('{"input_tokens":9007199254740991,"cache_read_input_tokens":1,"output_tokens":2}'),
        )
      ).unavailable,
    ).toBe('malformed');
  });
});

describe('a JSON body: a part that cannot be right is left out, and its wholes are kept', () => {
  it('more reasoning tokens than output tokens (OpenRouter relaying Minimax)', async () => {
    const body = chat(
      '{"prompt_tokens":2201,"completion_tokens":10,"total_tokens":2211,"completion_tokens_details":{"reasoning_tokens":11}}',
      '"minimax/minimax-m2"',
    );
    expect((await readBody(CHAT, body)).usage).toEqual({ inputTokens: 2201, outputTokens: 10 });
  });

  it('more reasoning tokens than output tokens, in Responses', async () => {
    const body = responses('{"input_tokens":10,"output_tokens":2,"output_tokens_details":{"reasoning_tokens":3}}');
    expect((await readBody(RESPONSES, body)).usage).toEqual({ inputTokens: 10, outputTokens: 2 });
  });

  it('more cached tokens than input tokens, keeping the reasoning that fits', async () => {
    const body = chat(
      '{"prompt_tokens":10,"completion_tokens":4,"prompt_tokens_details":{"cached_tokens":11},"completion_tokens_details":{"reasoning_tokens":3}}',
    );
    expect((await readBody(CHAT, body)).usage).toEqual({ inputTokens: 10, outputTokens: 4, reasoningOutputTokens: 3 });
  });

  it('a part equal to its whole is kept', async () => {
    const body = chat(
      '{"prompt_tokens":10,"completion_tokens":4,"prompt_tokens_details":{"cached_tokens":10},"completion_tokens_details":{"reasoning_tokens":4}}',
    );
    expect((await readBody(CHAT, body)).usage).toEqual({
      inputTokens: 10,
      outputTokens: 4,
      cacheReadInputTokens: 10,
      reasoningOutputTokens: 4,
    });
  });

  it.each([
    ['a string', '"1"'],
    ['negative', '-1'],
    ['fractional', '0.5'],
    ['over 2^53 - 1', '9007199254740992'],
  ])('a reasoning count that is %s', async (_what, value) => {
    const body = chat(
      `{"prompt_tokens":1,"completion_tokens":2,"completion_tokens_details":{"reasoning_tokens":${value}}}`,
    );
    expect((await readBody(CHAT, body)).usage).toEqual({ inputTokens: 1, outputTokens: 2 });
  });

  it('a cached count that is not a count', async () => {
    const body = responses('{"input_tokens":5,"output_tokens":2,"input_tokens_details":{"cached_tokens":true}}');
    expect((await readBody(RESPONSES, body)).usage).toEqual({ inputTokens: 5, outputTokens: 2 });
  });

  it('a details object that is not an object', async () => {
    const body = chat('{"prompt_tokens":1,"completion_tokens":2,"prompt_tokens_details":7}');
    expect((await readBody(CHAT, body)).usage).toEqual({ inputTokens: 1, outputTokens: 2 });
  });
});

describe('a JSON body: where usage is looked for', () => {
  it('ignores usage written inside content text', async () => {
    const body =
      '{"model":"gpt-4o","choices":[{"message":{"content":"{\\"usage\\": {\\"prompt_tokens\\": 5, \\"completion_tokens\\": 6}}"}}]}';
    expect(await readBody(CHAT, body)).toEqual(unavailable(false, 'gpt-4o', 'missing'));
  });

  it('ignores usage nested in choices[0].message', async () => {
    const body =
      '{"model":"gpt-4o","choices":[{"message":{"role":"assistant","usage":{"prompt_tokens":5,"completion_tokens":6}}}]}';
    expect((await readBody(CHAT, body)).unavailable).toBe('missing');
  });

  it('ignores a model nested deeper than the top level', async () => {
    expect((await readBody(CHAT, '{"choices":[{"model":"nested"}],"meta":{"model":"nested"}}')).model).toBeUndefined();
  });

  it('ignores a usage object inside an array at the top level', async () => {
    expect((await readBody(CHAT, '[{"usage":{"prompt_tokens":1,"completion_tokens":2}}]')).unavailable).toBe('missing');
  });

  it('ignores the Responses usage nested in a response object of a JSON body', async () => {
    expect((await readBody(RESPONSES, '{"response":{"usage":{"input_tokens":1,"output_tokens":2}}}')).unavailable).toBe(
      'missing',
    );
  });

  it('matches a key written with escapes as the key it means', async () => {
    const body = '{"\\u006dodel":"gpt-4o","\\u0075sage":{"prompt\\u005ftokens":7,"completion_tokens":8}}';
    expect(await readBody(CHAT, body)).toEqual({
      streaming: false,
      model: 'gpt-4o',
      usage: { inputTokens: 7, outputTokens: 8 },
      unavailable: undefined,
      partial: undefined,
    });
  });

  it('does not match a key that only looks like one once escapes are ignored', async () => {
    expect((await readBody(CHAT, '{"usage\\u0000":{"prompt_tokens":1,"completion_tokens":2}}')).unavailable).toBe(
      'missing',
    );
  });

  it('takes the last of a key given twice, as JSON.parse does', async () => {
    const body =
      '{"usage":{"prompt_tokens":-1,"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":1}},"usage":{"prompt_tokens":3,"completion_tokens":4}}';
    expect((await readBody(CHAT, body)).usage).toEqual({ inputTokens: 3, outputTokens: 4 });
  });

  it('reads usage that comes before the rest of the body', async () => {
    const body =
      '{"usage":{"input_tokens":1,"output_tokens":2},"model":"claude-opus-4-1","content":[{"type":"text","text":"Hi"}]}';
    expect((await readBody(ANTHROPIC, body)).usage).toEqual({ inputTokens: 1, outputTokens: 2 });
  });

  it('is missing when the body has no usage', async () => {
    expect(await readBody(CHAT, '{"model":"gpt-4o","choices":[]}')).toEqual(unavailable(false, 'gpt-4o', 'missing'));
  });

  it('is missing when usage is null', async () => {
    expect((await readBody(CHAT, chat('null'))).unavailable).toBe('missing');
  });

  it('is missing for an error body', async () => {
    expect(
      (await readBody(ANTHROPIC, '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}'))
        .unavailable,
    ).toBe('missing');
  });

  it('is missing for an empty body', async () => {
    expect(await readBody(CHAT, '')).toEqual(unavailable(false, undefined, 'missing'));
  });
});

describe('a JSON body: the model', () => {
  it('decodes escapes in the model', async () => {
    expect((await readBody(CHAT, chat('null', '"gpt-\\u0034o\\/mini"'))).model).toBe('gpt-4o/mini');
  });

  it('keeps a model with non-ASCII characters', async () => {
    expect((await readBody(CHAT, chat('null', '"modèle-日本-🚀"'))).model).toBe('modèle-日本-🚀');
  });

  it.each([
    ['empty', '""'],
    ['with a control character', '"gpt\\u0007"'],
    ['with a C1 control character', '"gpt\\u0085"'],
    ['with a lone surrogate', '"gpt\\ud800"'],
    ['longer than 256 characters', `"${'m'.repeat(257)}"`],
    ['not a string', '42'],
    ['an object', '{"name":"gpt-4o"}'],
  ])('drops a model that is %s', async (_what, model) => {
    expect((await readBody(CHAT, chat('{"prompt_tokens":1,"completion_tokens":2}', model))).model).toBeUndefined();
  });

  it('keeps a model of exactly 256 characters', async () => {
    expect((await readBody(CHAT, chat('null', `"${'é'.repeat(256)}"`))).model).toBe('é'.repeat(256));
  });

  it('drops a model that is not valid UTF-8', async () => {
    const body = Buffer.concat([
      Buffer.from('{"model":"gpt'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('","usage":null}'),
    ]);
    expect((await readBody(CHAT, body)).model).toBeUndefined();
  });

  it('knows the model when the usage is malformed', async () => {
    expect((await readBody(CHAT, chat('{"prompt_tokens":-1,"completion_tokens":2}'))).model).toBe('gpt-4o-2024-08-06');
  });
});

describe('a JSON body that is not JSON is malformed', () => {
  it.each([
    ['text', 'Internal Server Error'],
    ['HTML', '<html><body>502 Bad Gateway</body></html>'],
    ['a missing comma', '{"model":"gpt-4o" "usage":null}'],
    ['a trailing comma in an object', '{"model":"gpt-4o",}'],
    ['a trailing comma in an array', '{"choices":[1,2,]}'],
    ['an unquoted key', '{model:"gpt-4o"}'],
    ['single quotes', "{'model':'gpt-4o'}"],
    ['a mismatched bracket', '{"choices":[1,2}}'],
    ['a number with a leading zero', '{"created":0123}'],
    ['a bare minus', '{"created":-}'],
    ['NaN', '{"created":NaN}'],
    ['a misspelt literal', '{"refusal":nul}'],
    ['a control character between tokens', '{"model":\u0001"gpt-4o"}'],
    ['a second document', '{"model":"gpt-4o"}{"usage":null}'],
    ['trailing garbage', '{"model":"gpt-4o"} x'],
    ['a closing bracket alone', '}'],
  ])('%s', async (_what, body) => {
    expect((await readBody(CHAT, body)).unavailable).toBe('malformed');
  });

  it('reports none of a usage read before the error', async () => {
    expect(await readBody(CHAT, '{"model":"gpt-4o","usage":{"prompt_tokens":1,"completion_tokens":2},}')).toEqual(
      unavailable(false, 'gpt-4o', 'malformed'),
    );
  });
});

describe('a JSON body cut off', () => {
  it('is truncated when the body ends mid-document, with what had been seen', async () => {
    const outcome = await readBody(
      ANTHROPIC,
      '{"model":"claude-opus-4-1","usage":{"input_tokens":10,"cache_read_input_tokens":5,"output_tok',
    );
    expect(outcome).toEqual(
      unavailable(false, 'claude-opus-4-1', 'truncated', { inputTokens: 15, cacheReadInputTokens: 5 }),
    );
  });

  it('is truncated with nothing seen when it ends before usage', async () => {
    expect(await readBody(CHAT, '{"model":"gpt-4o","choices":[{"index":0,')).toEqual(
      unavailable(false, 'gpt-4o', 'truncated', {}),
    );
  });

  it('is truncated when the response closes before its end', async () => {
    expect(await readChunks(CHAT, ['{"model":"gpt-4o","cho'], { aborted: true })).toEqual(
      unavailable(false, 'gpt-4o', 'truncated', {}),
    );
  });

  it('is truncated when the response closes before a byte was sent', async () => {
    expect(await readChunks(CHAT, [], { aborted: true })).toEqual(unavailable(false, undefined, 'truncated', {}));
  });

  it('still reads a complete body when the response closes after it', async () => {
    expect(
      (await readChunks(CHAT, [chat('{"prompt_tokens":1,"completion_tokens":2}')], { aborted: true })).usage,
    ).toEqual({ inputTokens: 1, outputTokens: 2 });
  });

  it('is malformed rather than truncated when a count seen before the cut was bad', async () => {
    expect((await readBody(CHAT, '{"usage":{"prompt_tokens":-3,"completion_')).unavailable).toBe('malformed');
  });
});

describe('a JSON body nested beyond the scanner depth', () => {
  it('is given up on as too large', async () => {
    const body = `{"model":"gpt-4o","x":${'['.repeat(MAX_DEPTH + 1)}${']'.repeat(MAX_DEPTH + 1)},"usage":null}`;
    expect(await readBody(CHAT, body)).toEqual(unavailable(false, 'gpt-4o', 'too_large'));
  });

  it('is read when nested just within it', async () => {
    const body = `{"x":${'['.repeat(MAX_DEPTH - 1)}${']'.repeat(MAX_DEPTH - 1)},"usage":{"prompt_tokens":1,"completion_tokens":2}}`;
    expect((await readBody(CHAT, body)).usage).toEqual({ inputTokens: 1, outputTokens: 2 });
  });

  it('checks brackets deeper than 32 levels, objects and arrays alternating', async () => {
    const open = '{"a":['.repeat(40);
    const close = ']}'.repeat(40);
    expect((await readBody(CHAT, `${open}${close}`)).unavailable).toBe('missing');
    expect((await readBody(CHAT, `${open}${close.replace(']}', '}]')}`)).unavailable).toBe('malformed');
  });
});
