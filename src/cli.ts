#!/usr/bin/env node
/**
 * `npx aibridge-initiator-otel hash-credential [--initiator <id>] [--delegate]`
 *
 * Reads a token from stdin (never from the command line, where it would show in the process list
 * and the shell history) and prints the credentials-file entry for it: its sha256, never the token.
 */
import { sha256Hex, fingerprintToken } from './resolution/credential';

const USAGE = `usage: aibridge-initiator-otel hash-credential [--initiator <id>] [--delegate] < token-file
  Reads the token from stdin and prints the line to paste into AIBRIDGE_CREDENTIALS_FILE.
  --initiator <id>  who is behind the token (default: a placeholder to edit)
  --delegate        this credential may delegate to an owner header (e.g. Coder Agents' service account)
  -h, --help        print this help`;

type Command =
  { readonly help: true } | { readonly help: false; readonly initiator: string; readonly delegate: boolean };

const isHelp = (arg: string | undefined) => arg === '--help' || arg === '-h';

function parse(argv: readonly string[]): Command {
  const [command, ...rest] = argv;
  if (isHelp(command)) return { help: true };
  if (command !== 'hash-credential')
    throw new Error(command === undefined ? 'no command given' : `unknown command "${command}"`);
  let initiator = '<initiator id>';
  let delegate = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (isHelp(arg)) return { help: true };
    if (arg === '--delegate') delegate = true;
    else if (arg === '--initiator' && rest[i + 1] !== undefined) initiator = rest[++i]!;
    else
      throw new Error(
        `unexpected argument${arg?.startsWith('-') ? ` "${arg}"` : ''}: the token is read from stdin, never from the command line`,
      );
  }
  return { help: false, initiator, delegate };
}

function readToken(): Promise<string> {
  const input = process.stdin;
  if (input.isTTY) {
    process.stderr.write('token (not echoed), then Enter: ');
    input.setRawMode(true);
  }
  return new Promise((resolve, reject) => {
    let text = '';
    const done = () => {
      if (input.isTTY) {
        input.setRawMode(false);
        process.stderr.write('\n');
      }
      input.pause();
      resolve(text.replace(/\r?\n$/, ''));
    };
    input.setEncoding('utf8');
    input.on('data', (chunk: string) => {
      if (!input.isTTY) {
        text += chunk;
        return;
      }
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return done();
        if (char === '\u0003') return reject(new Error('interrupted'));
        text += char;
      }
    });
    input.on('end', done);
    input.on('error', reject);
  });
}

async function main(): Promise<number> {
  let options: Command;
  try {
    options = parse(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const token = (await readToken()).trim();
  if (token === '') {
    process.stderr.write('no token on stdin\n');
    return 2;
  }
  // "Bearer sk-…" or two tokens would hash to something no request ever sends.
  if (/\s/.test(token)) {
    process.stderr.write('the input holds whitespace: give the token alone (without "Bearer "), one per run\n');
    return 2;
  }
  const entry = { sha256: sha256Hex(token), initiator: options.initiator, ...(options.delegate && { delegate: true }) };
  process.stdout.write(`${JSON.stringify(entry)}\n`);
  process.stderr.write(
    `(fingerprint ${fingerprintToken(token)}, as the plugin reports this credential when no resolver knows it)\n`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
