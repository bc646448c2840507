import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

// Everything the suite sees leave the plugin (spans, metric points, OTLP bodies, logs, process
// output) is appended under SCAN_DIR, with every secret the tests use; the last test of the run
// reads it all back and looks for the secrets.
const dir = process.env.SCAN_DIR;

/** Records something the plugin exported, logged or printed. */
export function recordOutput(label: string, content: string): void {
  if (dir === undefined || content === '') return;
  appendFileSync(join(dir, `output-${process.pid}.log`), `### ${label}\n${content}\n`);
}

/** Records a secret (token, JWT, key) no output may contain. */
export function registerSecret(secret: string): string {
  if (secret === '') throw new Error('an empty secret would match everything');
  if (dir !== undefined) appendFileSync(join(dir, 'secrets.jsonl'), `${JSON.stringify(secret)}\n`);
  return secret;
}
