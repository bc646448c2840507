'use strict';
// The line a gateway prints once it listens: whoever starts it waits for this line. `instrumented`
// says whether the preloaded plugin patched http's server (shimmer marks what it wraps), so a
// gateway started without the preload shows it at once.

/** @param {number} port */
function announce(port) {
  const instrumented = Boolean(require('node:http').Server.prototype.emit.__wrapped);
  process.stdout.write(`listening ${port} instrumented=${instrumented}\n`);
}

module.exports = { announce };
