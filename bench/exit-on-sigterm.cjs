'use strict';
// Loaded first when a gateway is profiled: a SIGTERM then ends it with process.exit, the one way out
// after which Node writes the `--cpu-prof` profile (a process killed by the signal writes none).
process.on('SIGTERM', () => process.exit(0));
