import type { StreamAccumulator, StreamFormat } from './format';
import { equalsLatin1 } from './json-strings';
import { type JsonScanner, SCAN_DONE, SCAN_EMPTY, SCAN_GAVE_UP, SCAN_SKIPPED } from './json-scanner';
import { type BodyReader, type Interruption, unavailableOutcome, usageOutcome } from './outcome';
import { SseLineParser, type SseSink } from './sse-lines';
import { giveBackScanner, takeScanner } from './scanner-pool';
import type { UsageOutcome } from './types';
import { isObjectShaped, isObjectShapedText, LineWatch, namesUsage, textNamesUsage } from './usage-key';

const DONE = Buffer.from('[DONE]');
const NEWLINE = Buffer.from('\n');

/**
 * Whether a whole event's text starts with an `event:` line naming a kind outside `names` and no
 * other line of it begins with `event`: the parser would then pass over all of its data.
 */
function passesByName(text: string, names: readonly Uint8Array[]): boolean {
  if (!text.startsWith('event:')) return false;
  const lineEnd = text.indexOf('\n');
  const name = text.slice(text.charCodeAt(6) === 0x20 ? 7 : 6, lineEnd);
  if (name === '' || text.includes('\nevent', lineEnd)) return false;
  // The names are ASCII: a character beyond it equals none of their bytes, as its UTF-8 would not.
  return !names.some((known) => equalsLatin1(name, known, 0, known.length));
}

// What becomes of the current event.
const READ = 0;
/** Passed over: nothing of it is read or judged. */
const PASSED = 1;
/** Read, while its first data line, cut by a chunk's end, is watched for whether it passes. */
const WATCHED = 2;

/**
 * Reads an event stream: each event's data is scanned as it arrives (its lines joined by LF, as the
 * spec joins them) and, once the event is dispatched, handed to the format's accumulator. Events
 * before the stream settles must be JSON (or `[DONE]`): one that is not makes the stream `malformed`,
 * since it could have been the one carrying usage. Most of a stream is content deltas, which carry
 * none, and is not read, nor judged: an event whose `event:` name the format does not read is passed
 * over, data and all; one whose `type` comes first and names such a kind is not read past it; and,
 * once the accumulator says so, one whose first data line is a JSON object naming no usage is passed
 * over too, whether that line came whole or in pieces.
 */
export class SseBodyReader implements BodyReader, SseSink {
  private readonly parser: SseLineParser;
  private readonly format: StreamFormat;
  /** The current event's, taken at its first data line and given back once it is dispatched. */
  private scanner: JsonScanner | null = null;
  private readonly stream: StreamAccumulator;
  /** Whether an `event:` name alone can say that an event carries nothing the format reads. */
  private readonly byName: boolean;
  private watch: LineWatch | null = null;
  private dataLines = 0;
  private event = READ;
  /** The current data line has had no piece yet. */
  private firstPiece = false;
  /** How much of `[DONE]` the current event's data has matched; -1 once it cannot be. */
  private doneAt = 0;
  private malformed = false;
  private tooLarge = false;

  constructor(format: StreamFormat) {
    this.parser = new SseLineParser(this, format.eventNames);
    this.format = format;
    this.stream = format.create();
    this.byName = format.eventNames.length > 0;
  }

  push(buf: Buffer, start: number, end: number): void {
    if (!this.stream.settled) this.parser.feed(buf, start, end);
  }

  get satisfied(): boolean {
    return this.stream.settled;
  }

  /**
   * A gateway that writes each event as a string (`res.write(\`data: ${json}\n\n\`)`) gives one
   * whole event per chunk. When it is one the parser would pass over, the text says so without being
   * encoded: it begins where an event may begin, ends with its only blank line, has no CR, and is
   * named for a kind the format does not read, or is a single data line that names no usage once
   * the accumulator passes such events. Anything else is read as bytes.
   */
  pushText(text: string): boolean {
    if (this.stream.settled) return true;
    const end = text.length - 2;
    if (
      end < 0 ||
      !this.parser.atEventStart ||
      text.indexOf('\n\n') !== end ||
      text.charCodeAt(end + 1) !== 0x0a ||
      text.includes('\r')
    )
      return false;
    if (this.byName) return passesByName(text, this.format.eventNames);
    if (!this.stream.passesEventsWithoutUsage || !text.startsWith('data:') || text.indexOf('\n') !== end) return false;
    const line = text.slice(text.charCodeAt(5) === 0x20 ? 6 : 5, end);
    return isObjectShapedText(line) && !textNamesUsage(line);
  }

  dataLine(): boolean {
    if (this.dataLines++ === 0) {
      this.event = this.byName && this.parser.eventNamed && this.parser.eventIndex < 0 ? PASSED : READ;
      if (this.event === PASSED) return false;
      this.scanner = takeScanner(this.format.schema);
      this.doneAt = 0;
      this.firstPiece = true;
      return true;
    }
    if (this.event === WATCHED) this.event = this.watch!.passes() ? PASSED : READ;
    if (this.event === PASSED) return false;
    this.scanner!.feed(NEWLINE, 0, 1);
    if (this.doneAt !== DONE.length) this.doneAt = -1;
    return true;
  }

  data(buf: Buffer, start: number, end: number, whole: boolean): void {
    if (this.firstPiece) {
      this.firstPiece = false;
      if (this.dataLines === 1 && this.stream.passesEventsWithoutUsage) {
        if (!whole) {
          (this.watch ??= new LineWatch()).begin();
          this.event = WATCHED;
        } else if (isObjectShaped(buf, start, end) && !namesUsage(buf, start, end)) {
          this.event = PASSED;
          return;
        }
      }
    }
    if (this.event === WATCHED && this.dataLines === 1) this.watch!.feed(buf, start, end);
    let at = this.doneAt;
    if (at >= 0) {
      for (let i = start; i < end && at >= 0; i++) {
        const b = buf[i]!;
        if (at < DONE.length) at = b === DONE[at] ? at + 1 : -1;
        else if (b !== 0x20 && b !== 0x09) at = -1;
      }
      this.doneAt = at;
    }
    this.scanner!.feed(buf, start, end);
  }

  dispatch(): void {
    if (this.dataLines === 0 || this.stream.settled) return;
    this.dataLines = 0;
    const scanner = this.scanner;
    this.scanner = null;
    if (this.event === WATCHED) this.event = this.watch!.passes() ? PASSED : READ;
    if (this.event !== PASSED) {
      if (this.doneAt === DONE.length) this.stream.done();
      else {
        const status = scanner!.finish();
        if (status === SCAN_DONE) this.stream.document(scanner!.slots, this.parser.eventIndex);
        else if (status === SCAN_GAVE_UP) this.tooLarge = true;
        else if (status !== SCAN_EMPTY && status !== SCAN_SKIPPED) this.malformed = true;
      }
    }
    if (scanner !== null) giveBackScanner(scanner);
  }

  outcome(_aborted: boolean, interruption: Interruption): UsageOutcome {
    if (this.scanner !== null) {
      // The response ended inside an event: that event is never dispatched.
      giveBackScanner(this.scanner);
      this.scanner = null;
    }
    const stream = this.stream;
    const model = stream.model;
    if (this.malformed || stream.malformed) return unavailableOutcome(true, model, 'malformed');
    if (stream.usage !== undefined) return usageOutcome(true, model, stream.usage);
    if (interruption !== undefined && !stream.settled) return unavailableOutcome(true, model, interruption);
    // An event given up on may have been the one carrying usage.
    if (this.tooLarge) return unavailableOutcome(true, model, 'too_large');
    if (stream.complete) return unavailableOutcome(true, model, 'missing');
    return unavailableOutcome(true, model, 'truncated', stream.partial());
  }
}
