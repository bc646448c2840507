'use strict';
// The gateway the benchmark drives: reads the JSON body of a model call and answers like a provider
// would, without an upstream, so that what is measured is the instrumentation around it.
const http = require('node:http');

const ANSWER = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  model: 'gpt-4o-mini',
  choices: [
    { index: 0, message: { role: 'assistant', content: 'Hello from the benchmark gateway.' }, finish_reason: 'stop' },
  ],
  usage: { prompt_tokens: 42, completion_tokens: 7, total_tokens: 49 },
});

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/__memory') {
    if (typeof global.gc === 'function') global.gc();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(process.memoryUsage()));
    return;
  }
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    JSON.parse(body || '{}');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(ANSWER);
  });
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () =>
  process.stdout.write(`listening ${server.address().port}\n`),
);
