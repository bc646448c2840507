import { matchBytes } from './json-strings';
import { MAX_EVENT_NAME_BYTES } from './limits';

/** What a stream's lines mean, as the WHATWG event-stream interpretation defines it. */
export interface SseSink {
  /**
   * A `data` field begins; its value follows through `data` (possibly empty, possibly in pieces),
   * unless this answers false: the line is then passed over to its end.
   */
  dataLine(): boolean;
  /**
   * Part of the current `data` line's value, as it arrives: a long line is never held. `whole`:
   * this piece is all of the line's value.
   */
  data(buf: Buffer, start: number, end: number, whole: boolean): void;
  /** A blank line: the event ends (the sink ignores one with no data, as the spec does). */
  dispatch(): void;
}

// Where the parser is in the current line.
const L_START = 0;
const L_FIELD = 1; // inside "data" or "event", before the colon
const L_SPACE = 2; // just after the colon: one space may follow
const L_DATA = 3;
const L_EVENT = 4;
const L_SKIP = 5; // a comment, another field, or a field name that is not one of ours
const L_PASS = 6; // a data line the sink passes over

const FIELD_DATA = 1;
const FIELD_EVENT = 2;
const NAMES = [Buffer.alloc(0), Buffer.from('data'), Buffer.from('event')] as const;
const BOM = [0xef, 0xbb, 0xbf] as const;

/**
 * Splits an event stream into fields as it arrives, holding only where it is in the current line and
 * the current event's name (at most MAX_EVENT_NAME_BYTES): lines end with LF, CRLF or CR (a CR at the
 * end of one chunk and an LF at the start of the next are one line end); a UTF-8 BOM at the start is
 * skipped; `data:` and `event:` take one optional space after the colon; comments and other fields
 * (`id`, `retry`) are skipped.
 */
export class SseLineParser {
  /** Which of the names looked for the current event's `event:` field gives, or -1. */
  eventIndex = -1;
  /** The current event has a non-empty `event:` name (read only when names are looked for). */
  eventNamed = false;
  /** An `event:` value cut by a chunk's end, kept to be matched once its line ends. */
  private eventName: Uint8Array | null = null;
  private eventNameLength = 0;
  private eventNameOverflow = false;

  private state = L_START;
  private field = 0;
  private fieldAt = 0;
  private crPending = false;
  private bomAt = 0;
  /** The current data line's value has not been handed to the sink yet. */
  private valueFresh = false;
  /** The last line was blank: no event is in progress. */
  private betweenEvents = false;
  // The next LF and CR at or after the scan position in the current chunk (`end` when none), so that
  // each chunk is searched for them once rather than once per line.
  private nextLf = -1;
  private nextCr = -1;

  constructor(
    private readonly sink: SseSink,
    /** The event names worth telling apart (none: event names are not read). */
    private readonly names: readonly Uint8Array[] = [],
  ) {}

  /**
   * No event is in progress and nothing is pending (a BOM to skip, a CR whose LF may follow): what
   * comes next starts a new event, exactly as at a blank line.
   */
  get atEventStart(): boolean {
    return this.betweenEvents && !this.crPending && this.bomAt >= BOM.length && this.state === L_START;
  }

  feed(buf: Buffer, start: number, end: number): void {
    let i = start;
    if (this.bomAt < BOM.length) {
      while (i < end && this.bomAt < BOM.length && buf[i] === BOM[this.bomAt]) {
        i++;
        this.bomAt++;
      }
      if (i < end && this.bomAt < BOM.length) {
        // Not a BOM after all: a line that starts with those bytes names no field we read.
        if (this.bomAt > 0) this.state = L_SKIP;
        this.bomAt = BOM.length;
      }
    }
    if (this.crPending && i < end) {
      this.crPending = false;
      if (buf[i] === 0x0a) i++;
    }
    this.nextLf = -1;
    this.nextCr = -1;
    while (i < end) {
      switch (this.state) {
        case L_START: {
          const b = buf[i]!;
          if (b === 0x0a || b === 0x0d) {
            this.sink.dispatch();
            this.eventIndex = -1;
            this.eventNamed = false;
            this.betweenEvents = true;
            i = this.afterLineEnd(buf, i, end);
            break;
          }
          this.betweenEvents = false;
          if (b === 0x64) {
            if (
              i + 5 <= end &&
              buf[i + 1] === 0x61 &&
              buf[i + 2] === 0x74 &&
              buf[i + 3] === 0x61 &&
              buf[i + 4] === 0x3a
            ) {
              // "data:" whole in this chunk, as nearly always: no need to go through L_FIELD.
              this.field = FIELD_DATA;
              this.state = L_SPACE;
              i += 5;
              break;
            }
            this.field = FIELD_DATA;
            this.fieldAt = 1;
            this.state = L_FIELD;
            i++;
          } else if (b === 0x65) {
            if (
              i + 6 <= end &&
              buf[i + 1] === 0x76 &&
              buf[i + 2] === 0x65 &&
              buf[i + 3] === 0x6e &&
              buf[i + 4] === 0x74 &&
              buf[i + 5] === 0x3a
            ) {
              this.field = FIELD_EVENT;
              this.state = L_SPACE;
              i += 6;
              break;
            }
            this.field = FIELD_EVENT;
            this.fieldAt = 1;
            this.state = L_FIELD;
            i++;
          } else {
            this.state = L_SKIP;
          }
          break;
        }
        case L_FIELD: {
          const name = NAMES[this.field as 1 | 2];
          while (i < end && this.fieldAt < name.length && buf[i] === name[this.fieldAt]) {
            i++;
            this.fieldAt++;
          }
          if (i === end) break;
          const b = buf[i]!;
          if (this.fieldAt < name.length) this.state = L_SKIP;
          else if (b === 0x3a) {
            this.state = L_SPACE;
            i++;
          } else if (b === 0x0a || b === 0x0d) {
            // A field name alone on its line has an empty value.
            this.beginValue();
            this.state = L_SKIP;
          } else this.state = L_SKIP;
          break;
        }
        case L_SPACE:
          if (buf[i] === 0x20) i++;
          this.beginValue();
          break;
        default: {
          // L_DATA, L_EVENT, L_SKIP, L_PASS: the rest of the line.
          const state = this.state;
          const lineEnd = this.lineEnd(buf, i, end, state === L_DATA || state === L_PASS);
          if (state === L_DATA) {
            if (lineEnd > i) {
              this.sink.data(buf, i, lineEnd, this.valueFresh && lineEnd !== end);
              this.valueFresh = false;
            }
          } else if (state === L_EVENT && this.names.length > 0) this.eventValue(buf, i, lineEnd, lineEnd === end);
          if (lineEnd === end) {
            i = end;
            break;
          }
          this.state = L_START;
          i = this.afterLineEnd(buf, lineEnd, end);
        }
      }
    }
  }

  /** Where the line that goes on at `from` ends (its LF or CR), or `end`. */
  private lineEnd(buf: Buffer, from: number, end: number, long: boolean): number {
    let lf = this.nextLf;
    let cr = this.nextCr;
    if (lf < from || cr < from) {
      // Short lines (`event:` names, comments) end sooner than Buffer#indexOf's call costs; past
      // SHORT_LINE_BYTES, and for data lines, memchr through indexOf finds the end: once per chunk
      // for CR (streams rarely have any), once per line for LF.
      let short = from;
      if (!long) {
        short = from + SHORT_LINE_BYTES < end ? from + SHORT_LINE_BYTES : end;
        for (let k = from; k < short; k++) {
          const b = buf[k]!;
          if (b === 0x0a || b === 0x0d) return k;
        }
      }
      if (lf < from) lf = this.nextLf = indexIn(buf, 0x0a, short, end);
      if (cr < from) cr = this.nextCr = indexIn(buf, 0x0d, short, end);
    }
    return cr < lf ? cr : lf;
  }

  private beginValue(): void {
    if (this.field === FIELD_DATA) {
      this.state = this.sink.dataLine() ? L_DATA : L_PASS;
      this.valueFresh = true;
    } else {
      this.state = L_EVENT;
      this.eventIndex = -1;
      this.eventNameLength = 0;
      this.eventNameOverflow = false;
    }
  }

  /** Part of an `event:` value, up to `to`; `cut`: the line goes on in the next chunk. */
  private eventValue(buf: Buffer, from: number, to: number, cut: boolean): void {
    if (this.eventNameLength === 0 && !cut) {
      // The whole name in this chunk, as nearly always: matched where it lies.
      this.eventIndex = matchBytes(this.names, buf, from, to);
      this.eventNamed = to > from;
      return;
    }
    if (!this.eventNameOverflow) {
      if (this.eventNameLength + (to - from) > MAX_EVENT_NAME_BYTES) this.eventNameOverflow = true;
      else {
        const name = (this.eventName ??= new Uint8Array(MAX_EVENT_NAME_BYTES));
        for (let k = from; k < to; k++) name[this.eventNameLength++] = buf[k]!;
      }
    }
    if (!cut) {
      this.eventIndex = this.eventNameOverflow ? -1 : matchBytes(this.names, this.eventName!, 0, this.eventNameLength);
      this.eventNamed = this.eventNameOverflow || this.eventNameLength > 0;
    }
  }

  /** The position after the line end at `at` (a CR there may pair with an LF in the next chunk). */
  private afterLineEnd(buf: Buffer, at: number, end: number): number {
    if (buf[at] === 0x0d) {
      if (at + 1 === end) {
        this.crPending = true;
        return end;
      }
      if (buf[at + 1] === 0x0a) return at + 2;
    }
    return at + 1;
  }
}

const SHORT_LINE_BYTES = 32;

/** The first `byte` in `buf[from, end)`, or `end`. */
function indexIn(buf: Buffer, byte: number, from: number, end: number): number {
  if (from >= end) return end;
  const at = buf.indexOf(byte, from);
  return at < 0 || at > end ? end : at;
}
