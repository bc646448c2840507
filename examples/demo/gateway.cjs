'use strict';
// The reference AI gateway as a process, started the way an operator starts theirs, with the
// plugin preloaded:
//
//   node --require aibridge-initiator-otel/register examples/demo/gateway.cjs
//
// It listens on HOST:PORT (default 127.0.0.1:8787) and proxies
//   /openai/v1/...  to UPSTREAM_OPENAI_URL (default https://api.openai.com/v1), with OPENAI_API_KEY
//   /anthropic/...  to UPSTREAM_ANTHROPIC_URL (default https://api.anthropic.com), with ANTHROPIC_API_KEY
// e.g. /openai/v1/chat/completions, /openai/v1/responses, /anthropic/v1/messages.
const http = require('node:http');
const https = require('node:https');
const { announce } = require('./announce.cjs');
const { createGateway } = require('./gateway-app.cjs');

const env = process.env;
const port = Number(env.PORT || 8787);
const host = env.HOST || '127.0.0.1';

const server = createGateway(
  { http, https },
  {
    routes: [
      {
        prefix: '/openai/v1',
        upstream: env.UPSTREAM_OPENAI_URL || 'https://api.openai.com/v1',
        headers: env.OPENAI_API_KEY ? { authorization: `Bearer ${env.OPENAI_API_KEY}` } : {},
      },
      {
        prefix: '/anthropic',
        upstream: env.UPSTREAM_ANTHROPIC_URL || 'https://api.anthropic.com',
        headers: env.ANTHROPIC_API_KEY ? { 'x-api-key': env.ANTHROPIC_API_KEY } : {},
      },
    ],
  },
);

server.on('error', (error) => {
  const problem = error.code === 'EADDRINUSE' ? `port ${port} is already in use` : error.message;
  process.stderr.write(`gateway: cannot listen on ${host}:${port}: ${problem}\n`);
  process.exit(1);
});

server.listen(port, host, () => announce(server.address().port));

// Finish the calls in flight, then exit; the plugin flushes telemetry before the exit completes.
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
});
