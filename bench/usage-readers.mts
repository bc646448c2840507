// Cost of reading usage from response bytes, without HTTP: `npm run build && node bench/usage-readers.mts`.
// For each format, JSON and SSE: the test fixtures as they are (a whole response, per-response costs
// included) and scaled up to about 1 MiB (the cost per byte). JSON bodies are written in 16 KiB
// chunks; streams one event per write (a gateway forwarding each event as it comes, the costliest
// way) and in 16 KiB writes. Each case runs in interleaved rounds; the median round is reported,
// with the fastest and slowest, in nanoseconds of CPU time per KB (1,000 bytes) of response, garbage
// collection included. CPU time rather than wall time, so that other work on a shared machine does not count;
// USAGE_BENCH_CLOCK=wall measures wall time. A first line gives the cost of a bare loop over the same
// bytes (two comparisons a byte), to scale the rest to the machine. Then the memory: what many
// responses read in turn leave behind, and what a reader in the middle of a response holds. With
// BENCH_FIGURES set, the summary's figures are written there as JSON.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import type { createUsageReader as CreateUsageReader } from '../src/usage/usage-reader.ts';
import type { UsageFormat as Format, UsageReader as Reader } from '../src/usage/types.ts';

const require = createRequire(import.meta.url);
const { createUsageReader } = require('../dist/usage/usage-reader.js') as {
  createUsageReader: typeof CreateUsageReader;
};

const ROUNDS = Number(process.env.USAGE_BENCH_ROUNDS ?? 9);
const ROUND_MS = Number(process.env.USAGE_BENCH_ROUND_MS ?? 200);
const WALL = process.env.USAGE_BENCH_CLOCK === 'wall';
const SCALED_BYTES = 1024 * 1024;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const fixture = (name: string) => readFileSync(new URL(`../test/usage/fixtures/${name}`, import.meta.url));

/** A stream's events, one buffer each, with the blank line that ends it. */
function events(bytes: Buffer): Buffer[] {
  return bytes
    .toString('utf8')
    .split(/(?<=\n\n)/)
    .map((event) => Buffer.from(event));
}

/** A JSON body grown to about `target` bytes by repeating the text of its longest string. */
function scaledJson(bytes: Buffer, target: number): Buffer {
  const body: unknown = JSON.parse(bytes.toString('utf8'));
  const text = findLongestString(body);
  const times = Math.max(1, Math.ceil((target - bytes.length) / Buffer.byteLength(text.value)));
  text.set(text.value.repeat(times));
  return Buffer.from(JSON.stringify(body, null, bytes.includes('\n  "') ? 2 : undefined));
}

function findLongestString(root: unknown): { value: string; set(value: string): void } {
  let best = { value: '', set: (_: string) => {} };
  const visit = (node: unknown) => {
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (typeof value === 'string' && value.length > best.value.length) {
        best = { value, set: (v) => ((node as Record<string, unknown>)[key] = v) };
      } else visit(value);
    }
  };
  visit(root);
  return best;
}

/** A stream grown to about `target` bytes by repeating its content events (those between the first two and the last three). */
function scaledStream(all: Buffer[], target: number): Buffer[] {
  const head = all.slice(0, 2);
  const tail = all.slice(-3);
  const middle = all.slice(2, -3);
  const out = [...head];
  let size = [...head, ...tail].reduce((n, b) => n + b.length, 0);
  for (let i = 0; size < target; i = (i + 1) % middle.length) {
    out.push(middle[i]!);
    size += middle[i]!.length;
  }
  return [...out, ...tail];
}

function chunks(body: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < body.length; i += size) out.push(body.subarray(i, i + size));
  return out;
}

interface Case {
  readonly name: string;
  readonly format: Format;
  readonly contentType: string;
  readonly writes: readonly (Buffer | string)[];
  readonly bytes: number;
}

const SHAPES: readonly [Format, string][] = [
  ['openai_chat_completions', 'chat-completions'],
  ['openai_responses', 'responses'],
  ['anthropic_messages', 'anthropic-messages'],
];
const CASES: Case[] = [];
for (const [format, file] of SHAPES) {
  const json = fixture(`${file}.json`);
  const sse = fixture(`${file}.sse`);
  const bigJson = scaledJson(json, SCALED_BYTES);
  const bigSse = scaledStream(events(sse), SCALED_BYTES);
  const size = (writes: readonly (Buffer | string)[]) => writes.reduce((n, w) => n + Buffer.byteLength(w), 0);
  const add = (name: string, contentType: string, writes: (Buffer | string)[]) =>
    CASES.push({ name, format, contentType, writes, bytes: size(writes) });
  add(`${file} JSON, fixture`, 'application/json', chunks(json, 16384));
  add(`${file} JSON, ~1 MiB`, 'application/json', chunks(bigJson, 16384));
  add(`${file} SSE, fixture, a write per event`, 'text/event-stream', events(sse));
  add(`${file} SSE, ~1 MiB, a write per event`, 'text/event-stream', bigSse);
  add(`${file} SSE, ~1 MiB, 16 KiB writes`, 'text/event-stream', chunks(Buffer.concat(bigSse), 16384));
  add(
    `${file} SSE, ~1 MiB, a utf8 string per event`,
    'text/event-stream',
    bigSse.map((b) => b.toString('utf8')),
  );
}

/** Responses read to their usage; also what keeps the measured work from being optimized away. */
let read = 0;
function readOnce(c: Case): void {
  const reader: Reader = createUsageReader(c.format, { contentType: c.contentType, contentEncoding: undefined });
  for (const w of c.writes) reader.write(w);
  reader.end(false, (outcome) => {
    if (outcome.usage === undefined) throw new Error(`${c.name}: ${String(outcome.unavailable)}`);
    read++;
  });
}

function nowNs(): number {
  if (WALL) return Number(process.hrtime.bigint());
  const { user, system } = process.cpuUsage();
  return (user + system) * 1000;
}

/** ns per KB over `iterations` responses. */
function round(c: Case, iterations: number): number {
  const started = nowNs();
  for (let i = 0; i < iterations; i++) readOnce(c);
  return (nowNs() - started) / iterations / (c.bytes / 1000);
}

// The machine's own pace: a loop over the bytes of the largest stream, comparing each byte twice.
const CALIBRATION = Buffer.concat(
  CASES.find((c) => c.name === 'chat-completions SSE, ~1 MiB, 16 KiB writes')!.writes as Buffer[],
);
function calibrate(): { ns: number; found: number } {
  let best = Number.POSITIVE_INFINITY;
  let found = 0;
  for (let r = 0; r < 15; r++) {
    const started = nowNs();
    found = 0;
    for (let i = 0; i < CALIBRATION.length; i++) {
      const b = CALIBRATION[i]!;
      if (b === 0x22 || b === 0x5c) found++;
    }
    best = Math.min(best, (nowNs() - started) / (CALIBRATION.length / 1000));
  }
  return { ns: best, found };
}

const iterations = new Map<Case, number>();
for (const c of CASES) {
  let count = 1;
  let ns = round(c, count);
  while (ns * (c.bytes / 1000) * count < 2 * ROUND_MS * 1e6) {
    count *= 4;
    ns = round(c, count);
  }
  iterations.set(c, Math.max(1, Math.round((ROUND_MS * 1e6) / (ns * (c.bytes / 1000)))));
}
const samples = new Map<Case, number[]>(CASES.map((c) => [c, []]));
for (let r = 0; r < ROUNDS; r++) for (const c of CASES) samples.get(c)!.push(round(c, iterations.get(c)!));

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const WIDTH = 58;
console.log(
  `node ${process.version}, ${process.arch}; ${ROUNDS} interleaved rounds of about ${ROUND_MS} ms per case; ${WALL ? 'wall' : 'CPU'} time`,
);
const bare = calibrate();
console.log(
  `a bare loop over the bytes, two comparisons a byte: ${bare.ns.toFixed(0)} ns/KB (fastest of 15; ${bare.found} quotes and backslashes)`,
);
console.log(`${'case'.padEnd(WIDTH)} ${'size'.padStart(9)}  ns/KB median (fastest–slowest)`);
const figures = { worstSseNsPerKB: 0, worstJsonNsPerKB: 0, worstHeldBytes: 0 };
for (const c of CASES) {
  const values = samples.get(c)!;
  const key = c.contentType === 'text/event-stream' ? 'worstSseNsPerKB' : 'worstJsonNsPerKB';
  figures[key] = Math.max(figures[key], median(values));
  const size = c.bytes >= 1024 * 1024 ? `${(c.bytes / 1048576).toFixed(2)} MiB` : `${(c.bytes / 1024).toFixed(1)} KiB`;
  console.log(
    `${c.name.padEnd(WIDTH)} ${size.padStart(9)}  ${median(values).toFixed(0).padStart(5)} (${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)})`,
  );
}

// Memory. Readers read in turn must leave nothing behind; a reader in the middle of a response holds
// its fixed state only, whatever it has read.
function heap(): { heap: number; external: number } {
  gc();
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, external: m.arrayBuffers };
}
const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
console.log('\nmemory');
const RESPONSES = 20_000;
for (const c of CASES.filter((c) => c.name.includes('fixture'))) {
  const before = heap();
  for (let i = 0; i < RESPONSES; i++) readOnce(c);
  const after = heap();
  console.log(
    `${c.name.padEnd(WIDTH)} after ${RESPONSES} responses: heap ${kib(after.heap - before.heap)}, buffers ${kib(after.external - before.external)}`,
  );
}
const IN_FLIGHT = 2_000;
for (const c of CASES.filter((c) => c.name.endsWith('~1 MiB') || c.name.endsWith('16 KiB writes'))) {
  const before = heap();
  const readers: Reader[] = [];
  for (let i = 0; i < IN_FLIGHT; i++) {
    const reader: Reader = createUsageReader(c.format, { contentType: c.contentType, contentEncoding: undefined });
    // Up to the middle of the response: inside a string of the JSON body, inside a line of the stream.
    const half = c.writes.slice(0, Math.ceil(c.writes.length / 2));
    for (const w of half) reader.write(w);
    readers.push(reader);
  }
  const after = heap();
  const per = (after.heap + after.external - before.heap - before.external) / IN_FLIGHT;
  figures.worstHeldBytes = Math.max(figures.worstHeldBytes, per);
  console.log(
    `${c.name.padEnd(WIDTH)} ${IN_FLIGHT} readers halfway through: ${per.toFixed(0)} bytes each (heap and buffers)`,
  );
  readers.length = 0;
}
console.log(`\n${read} responses read`);
console.log(
  `worst median: ${figures.worstSseNsPerKB.toFixed(0)} ns/KB of SSE, ${figures.worstJsonNsPerKB.toFixed(0)} ns/KB of JSON; a reader halfway through holds at most ${figures.worstHeldBytes.toFixed(0)} bytes`,
);
if (process.env.BENCH_FIGURES !== undefined) writeFileSync(process.env.BENCH_FIGURES, JSON.stringify(figures));
