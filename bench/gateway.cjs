'use strict';
// The gateway the benchmark drives, with the provider folded in: it reads and parses the JSON body of
// a model call and answers as the route's provider would (one JSON body, or a stream of server-sent
// events when the body asks `stream: true`), without an upstream, so that what is measured is the
// instrumentation around it. The answers are the test fixtures, real responses of each API, and
// longer versions of them (their text repeated), sent as bytes, as a proxy forwards what the
// provider sends it.
//
// Headers that stand in for the provider's behaviour:
//   x-bench-response: short | long     which version of the answer
//   x-bench-pace-ms: N                 a stream's events come N ms apart, the first N ms after the
//                                      request (otherwise each one on its own turn of the event loop)
//   x-bench-hold: 1                    a stream stops halfway and stays open until the client leaves
const http = require('node:http');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const FIXTURES = join(__dirname, '..', 'test', 'usage', 'fixtures');
const TEXT_KEYS = new Set(['content', 'text', 'delta', 'thinking']);

/** A copy of a JSON value whose generated text (the values of TEXT_KEYS) is `times` as long. */
function lengthen(value, times) {
  if (Array.isArray(value)) return value.map((item) => lengthen(item, times));
  if (value === null || typeof value !== 'object') return value;
  const out = {};
  for (const [key, item] of Object.entries(value))
    out[key] = typeof item === 'string' && TEXT_KEYS.has(key) ? item.repeat(times) : lengthen(item, times);
  return out;
}

/** A stream's events, each with the blank line that ends it, their data lengthened `times`. */
function events(text, times) {
  return text
    .split(/(?<=\n\n)/)
    .filter((event) => event.trim() !== '')
    .map((event) =>
      event.replace(/^data: (\{.*\})$/m, (_, json) => `data: ${JSON.stringify(lengthen(JSON.parse(json), times))}`),
    );
}

// The long versions: about this size, as long as it takes to repeat their text.
const LONG_JSON_BYTES = 12_000;
const LONG_STREAM_BYTES = 24_000;
const size = (answer) => (typeof answer === 'string' ? answer : answer.join('')).length;
function longest(target, make) {
  let times = 2;
  while (size(make(times + 1)) <= target) times++;
  return make(times);
}

const ANSWERS = {};
for (const [format, file] of [
  ['chat', 'chat-completions'],
  ['responses', 'responses'],
  ['anthropic', 'anthropic-messages'],
]) {
  const json = readFileSync(join(FIXTURES, `${file}.json`), 'utf8');
  const sse = readFileSync(join(FIXTURES, `${file}.sse`), 'utf8');
  ANSWERS[format] = {
    json: {
      short: Buffer.from(json),
      long: Buffer.from(
        longest(LONG_JSON_BYTES, (times) => JSON.stringify(lengthen(JSON.parse(json), times), null, 2)),
      ),
    },
    sse: {
      short: events(sse, 1).map((event) => Buffer.from(event)),
      long: longest(LONG_STREAM_BYTES, (times) => events(sse, times)).map((event) => Buffer.from(event)),
    },
  };
}

function formatOf(url) {
  const path = url.split('?', 1)[0];
  if (path.endsWith('/messages')) return 'anthropic';
  return path.endsWith('/responses') ? 'responses' : 'chat';
}

function stream(req, res, answer) {
  const pace = Number(req.headers['x-bench-pace-ms'] ?? 0);
  const stop = req.headers['x-bench-hold'] === '1' ? Math.ceil(answer.length / 2) : answer.length;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  let next = 0;
  let timer;
  const send = () => {
    if (res.destroyed) return;
    if (next === stop) {
      clearInterval(timer);
      if (stop === answer.length) res.end();
      return;
    }
    res.write(answer[next++]);
    if (pace === 0) setImmediate(send);
  };
  if (pace > 0) timer = setInterval(send, pace);
  else setImmediate(send);
  res.once('close', () => clearInterval(timer));
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/__memory') {
    if (typeof global.gc === 'function') {
      global.gc();
      global.gc();
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(process.memoryUsage()));
    return;
  }
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    const call = JSON.parse(body || '{}');
    // Not kept while a stream goes on: the 'data' listener's closure would hold it.
    body = '';
    const answers = ANSWERS[formatOf(req.url)];
    const version = req.headers['x-bench-response'] === 'long' ? 'long' : 'short';
    if (call.stream === true) stream(req, res, answers.sse[version]);
    else {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(answers.json[version]);
    }
  });
});
server.keepAliveTimeout = 0;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () =>
  process.stdout.write(`listening ${server.address().port}\n`),
);
