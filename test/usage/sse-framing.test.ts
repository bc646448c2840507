import { describe, expect, it } from 'vitest';
import { SseLineParser } from '../../src/usage/sse-lines';
import { readChunks, SSE } from './support';

/** The events a stream's bytes make, as the spec's interpretation gives them: name and data. */
function events(
  chunks: readonly (string | Uint8Array)[],
  names: readonly string[] = ['message_stop', 'ping'],
): { name: string | undefined; data: string }[] {
  const out: { name: string | undefined; data: string }[] = [];
  let lines: Buffer[][] = [];
  const parser: SseLineParser = new SseLineParser(
    {
      dataLine: () => lines.push([]) > 0,
      data: (buf, start, end) => void lines.at(-1)!.push(Buffer.from(buf.subarray(start, end))),
      dispatch: () => {
        if (lines.length > 0) {
          const index = parser.eventIndex;
          out.push({
            name: index < 0 ? undefined : names[index],
            data: lines.map((parts) => Buffer.concat(parts).toString('utf8')).join('\n'),
          });
        }
        lines = [];
      },
    },
    names.map((n) => Buffer.from(n)),
  );
  for (const chunk of chunks) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk);
    parser.feed(buf, 0, buf.length);
  }
  return out;
}

describe('SSE framing', () => {
  it('dispatches an event at a blank line', () => {
    expect(events(['data: a\n\ndata: b\n\n'])).toEqual([
      { name: undefined, data: 'a' },
      { name: undefined, data: 'b' },
    ]);
  });

  it.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
    ['CR', '\r'],
  ])('ends lines with %s', (_name, eol) => {
    expect(events([`data: a${eol}data: b${eol}${eol}data: c${eol}${eol}`])).toEqual([
      { name: undefined, data: 'a\nb' },
      { name: undefined, data: 'c' },
    ]);
  });

  it('takes a CR at the end of one chunk and an LF at the start of the next as one line end', () => {
    expect(events(['data: a\r', '\ndata: b\r', '\n\r', '\n'])).toEqual([{ name: undefined, data: 'a\nb' }]);
  });

  it('takes a CR at a chunk end followed by another line as a line end', () => {
    expect(events(['data: a\r', 'data: b\r', '\r'])).toEqual([{ name: undefined, data: 'a\nb' }]);
  });

  it('drops one space after the colon, and only one', () => {
    expect(events(['data:a\n\ndata:  b\n\n'])).toEqual([
      { name: undefined, data: 'a' },
      { name: undefined, data: ' b' },
    ]);
  });

  it('takes a field name alone on its line as an empty value', () => {
    expect(events(['data\ndata\n\n'])).toEqual([{ name: undefined, data: '\n' }]);
  });

  it('skips comments and other fields', () => {
    expect(events([': keep-alive\nid: 7\nretry: 1000\ndata: a\n:data: b\n\n'])).toEqual([
      { name: undefined, data: 'a' },
    ]);
  });

  it('skips fields whose names only start like data or event', () => {
    expect(events(['datas: a\ndat: b\neventual: ping\nData: c\ndata: d\n\n'])).toEqual([
      { name: undefined, data: 'd' },
    ]);
  });

  it('does not dispatch an event without data', () => {
    expect(events(['event: ping\n\n: comment\n\n'])).toEqual([]);
  });

  it('names an event by its event field, reset after each dispatch', () => {
    expect(events(['event: ping\ndata: a\n\ndata: b\n\nevent:message_stop\nevent: ping\ndata: c\n\n'])).toEqual([
      { name: 'ping', data: 'a' },
      { name: undefined, data: 'b' },
      { name: 'ping', data: 'c' },
    ]);
  });

  it('names no event when its name is longer than any it looks for', () => {
    expect(events([`event: ${'x'.repeat(500)}\ndata: a\n\n`])).toEqual([{ name: undefined, data: 'a' }]);
  });

  it('ignores a UTF-8 BOM at the start, even split across chunks', () => {
    expect(events(['\uFEFFdata: a\n\n'])).toEqual([{ name: undefined, data: 'a' }]);
    expect(events([Buffer.from([0xef]), Buffer.from([0xbb]), Buffer.from([0xbf]), 'data: a\n\n'])).toEqual([
      { name: undefined, data: 'a' },
    ]);
  });

  it('ignores a BOM only at the start', () => {
    expect(events(['data: a\n\n\uFEFFdata: b\n\ndata: c\n\n'])).toEqual([
      { name: undefined, data: 'a' },
      { name: undefined, data: 'c' },
    ]);
  });

  it('takes bytes that start like a BOM and are not one as a line that names no field', () => {
    expect(events([Buffer.from([0xef, 0xbb]), 'data: a\ndata: b\n\n'])).toEqual([{ name: undefined, data: 'b' }]);
  });

  it('does not dispatch an event the stream ends in the middle of', () => {
    expect(events(['data: a\n\ndata: b\n'])).toEqual([{ name: undefined, data: 'a' }]);
  });

  it('names an event whose name is split across chunks', () => {
    expect(events(['event: mess', 'age_st', 'op\ndata: a\n\n'])).toEqual([{ name: 'message_stop', data: 'a' }]);
    expect(events(['event: message_stop', 'x\ndata: a\n\n'])).toEqual([{ name: undefined, data: 'a' }]);
  });

  it('passes over, to its end, a data line the sink declines, whatever ends it', () => {
    for (const eol of ['\n', '\r\n', '\r']) {
      const seen: string[] = [];
      let line = 0;
      const parser = new SseLineParser({
        dataLine: () => line++ % 2 === 1,
        data: (buf, start, end) => void seen.push(buf.toString('utf8', start, end)),
        dispatch: () => {},
      });
      for (const chunk of [`data: one${eol}data: two${eol}`, `data: thr`, `ee${eol}data: four${eol}${eol}`]) {
        const buf = Buffer.from(chunk);
        parser.feed(buf, 0, buf.length);
      }
      expect(seen, JSON.stringify(eol)).toEqual(['two', 'four']);
    }
  });

  it('says a piece is a whole line only when no chunk end cut the line', () => {
    const pieces: [string, boolean][] = [];
    const parser = new SseLineParser({
      dataLine: () => true,
      data: (buf, start, end, whole) => void pieces.push([buf.toString('utf8', start, end), whole]),
      dispatch: () => {},
    });
    for (const chunk of ['data: whole\ndata: cut', ' here\ndata:', ' after the colon\n\n']) {
      const buf = Buffer.from(chunk);
      parser.feed(buf, 0, buf.length);
    }
    expect(pieces).toEqual([
      ['whole', true],
      ['cut', false],
      [' here', false],
      ['after the colon', true],
    ]);
  });

  it('tells a named event from an unnamed one, whether or not it looks for the name', () => {
    const named: boolean[] = [];
    const parser: SseLineParser = new SseLineParser(
      { dataLine: () => named.push(parser.eventNamed) > 0, data: () => {}, dispatch: () => {} },
      [Buffer.from('message_stop')],
    );
    const buf = Buffer.from('event: ping\ndata: 1\n\nevent: message_stop\ndata: 2\n\ndata: 3\n\nevent:\ndata: 4\n\n');
    parser.feed(buf, 0, buf.length);
    expect(named).toEqual([true, true, false, false]);
  });

  it('hands on a data line split at every byte', () => {
    const text = 'event: ping\r\ndata: {"text":"é🚀"}\r\n\r\n';
    const bytes = Buffer.from(text);
    expect(events([...bytes].map((b) => Buffer.from([b])))).toEqual([{ name: 'ping', data: '{"text":"é🚀"}' }]);
  });
});

describe('SSE framing, through the reader', () => {
  const usageChunk = '{"model":"gpt-4o","usage":{"prompt_tokens":1,"completion_tokens":2}}';
  const read = (chunks: readonly (string | Uint8Array)[]) =>
    readChunks('openai_chat_completions', chunks, { contentType: SSE });

  it('joins the data lines of one event with LF before reading them as JSON', async () => {
    const split =
      'data: {"model":"gpt-4o",\ndata: "usage":{"prompt_tokens":1,\ndata: "completion_tokens":2}}\n\ndata: [DONE]\n\n';
    expect((await read([split])).usage).toEqual({ inputTokens: 1, outputTokens: 2 });
  });

  it('keeps CRLF split between chunks from ending an event early', async () => {
    const text = `data: {"model":"gpt-4o",\r\ndata: "usage":{"prompt_tokens":1,"completion_tokens":2}}\r\n\r\ndata: [DONE]\r\n\r\n`;
    const at = text.indexOf('\r\n') + 1;
    expect((await read([text.slice(0, at), text.slice(at)])).usage).toEqual({ inputTokens: 1, outputTokens: 2 });
  });

  it('reads the same whichever byte a stream is split at, inside UTF-8 characters and CRLF pairs included', async () => {
    const text =
      '\uFEFF: ok\r\nevent: message_start\r\ndata: {"type":"message_start","message":{"model":"claude-é🚀","content":[],"usage":{"input_tokens":3,"output_tokens":1}}}\r\n\r\n' +
      'event: message_delta\r\ndata: {"type":"message_delta",\r\ndata: "usage":{"output_tokens":9}}\r\n\r\nevent: message_stop\r\ndata: {"type":"message_stop"}\r\n\r\n';
    const bytes = Buffer.from(text);
    const expected = {
      streaming: true,
      model: 'claude-é🚀',
      usage: { inputTokens: 3, outputTokens: 9 },
      unavailable: undefined,
      partial: undefined,
    };
    for (let at = 0; at <= bytes.length; at++) {
      const outcome = await readChunks('anthropic_messages', [bytes.subarray(0, at), bytes.subarray(at)], {
        contentType: SSE,
      });
      expect(outcome, `split at ${at}`).toEqual(expected);
    }
  });

  it('does not read an event the stream ends in the middle of', async () => {
    expect((await read([`data: ${usageChunk}\n`])).unavailable).toBe('truncated');
  });

  it('reads a stream written as utf8 strings split inside a surrogate pair', async () => {
    const text = `data: {"model":"gpt-🚀","usage":{"prompt_tokens":1,"completion_tokens":2}}\n\ndata: [DONE]\n\n`;
    const at = text.indexOf('🚀') + 1;
    // Node encodes each half on its own, as U+FFFD: the model the client receives is not the one sent.
    expect(await read([text.slice(0, at), text.slice(at)])).toMatchObject({
      model: 'gpt-\uFFFD\uFFFD',
      usage: { inputTokens: 1, outputTokens: 2 },
    });
  });
});
