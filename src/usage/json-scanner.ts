import { decodeJsonString, equalsLatin1, isPlainAscii, isWellFormedModel, matchBytes } from './json-strings';
import { MAX_CAPTURE_BYTES, MAX_DEPTH, MAX_DOCUMENT_BYTES, MAX_KEY_BYTES, MAX_NUMBER_BYTES } from './limits';
import {
  type CompiledField,
  KIND_COUNT,
  KIND_ENUM,
  KIND_MODEL,
  KIND_OBJECT,
  type Schema,
  type SchemaNode,
  SLOT_ABSENT,
  SLOT_INVALID,
  SLOT_NULL,
  SLOT_OPEN,
  SLOT_OTHER,
  SLOT_VALUE,
  Slots,
} from './schema';

/** No byte of a value yet (whitespace at most). */
export const SCAN_EMPTY = 0;
/** A value has begun and not ended. */
export const SCAN_INCOMPLETE = 1;
/** One complete, well-formed value, followed by whitespace at most. */
export const SCAN_DONE = 2;
/** Not JSON. */
export const SCAN_ERROR = 3;
/** Scanning stopped at a bound (MAX_DOCUMENT_BYTES, MAX_DEPTH) before the value ended. */
export const SCAN_GAVE_UP = 4;
/** An enum field marked `decisive` had a value outside its list: the rest was not read. */
export const SCAN_SKIPPED = 5;
export type ScanStatus =
  | typeof SCAN_EMPTY
  | typeof SCAN_INCOMPLETE
  | typeof SCAN_DONE
  | typeof SCAN_ERROR
  | typeof SCAN_GAVE_UP
  | typeof SCAN_SKIPPED;

// Tokenizer states. The main loop handles the structural ones; a string, number or literal is read
// where it starts, and only a chunk's end leaves the scanner inside one (S_STRING, S_NUMBER, S_LITERAL).
const S_VALUE = 0; // a value is expected
const S_OBJ_FIRST = 1; // after `{`: a key or `}`
const S_OBJ_KEY = 2; // after `,` in an object: a key
const S_COLON = 3;
const S_AFTER = 4; // after a value inside a container: `,` or the closing bracket
const S_ARR_FIRST = 5; // after `[`: a value or `]`
const S_END = 6; // the root value has ended: whitespace only
const S_STRING = 7;
const S_NUMBER = 8;
const S_LITERAL = 9;
// Final states: nothing more is read.
const S_ERROR = 10;
const S_GAVE_UP = 11;
const S_SKIPPED = 12;

// What the string being read is.
const STR_VALUE = 0; // a value nobody asked for: skipped
const STR_KEY_SKIP = 1; // a key in an object off the followed paths: skipped
const STR_KEY = 2; // a key in a followed object: compared with its field names
const STR_CAPTURE = 3; // the value of a model or enum field: captured

// Where a number is in JSON's grammar: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
const N_MINUS = 0;
const N_ZERO = 1;
const N_INT = 2;
const N_DOT = 3;
const N_FRAC = 4;
const N_EXP = 5;
const N_EXP_SIGN = 6;
const N_EXP_DIGITS = 7;
const N_BAD = -1;
const N_PLAIN_LIMIT = 16; // a digits-only number this short is exact in a double

const LITERALS = [Buffer.from('true'), Buffer.from('false'), Buffer.from('null')] as const;
const EMPTY = Buffer.alloc(0);

// Short strings (keys, ids, enum values) end sooner than Buffer#indexOf's call costs (about 25 ns);
// past this many bytes, memchr through indexOf takes over (about 0.01 ns a byte).
const SHORT_STRING_BYTES = 48;

/**
 * A streaming JSON tokenizer that follows the paths of a schema and keeps what it finds there in
 * `slots`, holding nothing else of the document: its memory is the fixed state below (plus a buffer
 * of MAX_CAPTURE_BYTES while a captured value is cut by a chunk's end), whatever the document's size. It checks JSON's structure: brackets, commas, colons, keys, numbers, literals. The
 * contents of strings it does not capture are skipped, not checked (escapes and control characters
 * there are not validated), which lets long text pass at memchr speed.
 *
 * Keys are matched as JSON means them (`"\u0075sage"` is `usage`); for a key given twice, the last
 * value wins, as with JSON.parse.
 */
export class JsonScanner {
  readonly slots: Slots;
  private state = S_VALUE;
  private depth = 0;
  /** Whether each open container is an object, one bit per level: the first 32 here, deeper ones in `deepKinds`. */
  private kinds = 0;
  private deepKinds: Int32Array | null = null;
  /** How many of the open containers, from the root, are on the followed paths. */
  private trackDepth = 0;
  private readonly trackFields: CompiledField[];
  /** The field whose value comes next, at a followed position; null elsewhere. */
  private field: CompiledField | null;
  private bytes = 0;
  /** The scan stopped at the byte bound after the value had ended: the rest is not looked at. */
  private capped = false;

  // A token that a chunk's end cut, and what is needed to go on with it in the next chunk.
  private strRole = STR_VALUE;
  /** A skipped string: backslashes just before the chunk's end. A captured one: 1 if an escape is pending. */
  private strBackslashes = 0;
  private capEscapes = false;
  /** Where the captured token began in the current chunk (or the chunk's start, when it began earlier). */
  private tokenStart = 0;
  /** The captured token's bytes from earlier chunks, when it spans chunks (made then, dropped when it ends). */
  private span: Buffer | null = null;
  private spanLength = -1;
  private capOverflow = false;
  private numState = N_MINUS;
  private numCapture = false;
  private literal: Uint8Array = LITERALS[0];
  private literalAt = 0;

  /** The last model decoded, so that the same name in each chunk of a stream is not decoded again. */
  private lastModel = '';
  /** It is printable ASCII without backslashes: its JSON text is itself. */
  private lastModelPlain = false;

  constructor(
    readonly schema: Schema,
    private readonly maxBytes: number = MAX_DOCUMENT_BYTES,
  ) {
    this.slots = new Slots(schema);
    this.trackFields = new Array<CompiledField>(schema.depth).fill(schema.root);
    this.field = schema.root;
  }

  /** Starts a new document. */
  reset(): void {
    this.slots.reset();
    this.state = S_VALUE;
    this.depth = 0;
    this.trackDepth = 0;
    this.field = this.schema.root;
    this.bytes = 0;
    this.capped = false;
    this.span = null;
  }

  status(): ScanStatus {
    switch (this.state) {
      case S_END:
        return SCAN_DONE;
      case S_ERROR:
        return SCAN_ERROR;
      case S_GAVE_UP:
        return SCAN_GAVE_UP;
      case S_SKIPPED:
        return SCAN_SKIPPED;
      case S_VALUE:
        return this.depth === 0 && this.field === this.schema.root ? SCAN_EMPTY : SCAN_INCOMPLETE;
      default:
        return SCAN_INCOMPLETE;
    }
  }

  /** The document has no more bytes: a number at the root ends there. */
  finish(): ScanStatus {
    if (this.state === S_NUMBER && this.depth === 0) {
      this.state = isNumberEnd(this.numState) ? this.endNumber(this.releaseSpan(), 0, this.spanLength) : S_ERROR;
    }
    return this.status();
  }

  /** Whether more bytes could change anything. */
  get settled(): boolean {
    return this.state >= S_ERROR || this.capped;
  }

  feed(buf: Buffer, start: number, end: number): void {
    let state = this.state;
    if (state >= S_ERROR || this.capped) return;
    let stop = end;
    const room = this.maxBytes - this.bytes;
    if (end - start > room) stop = start + room;
    this.bytes += stop - start;

    let i = start;
    if (state >= S_STRING) {
      i = this.resume(buf, i, stop);
      state = this.state;
      if (state >= S_ERROR) return;
    }
    while (i < stop) {
      const b = buf[i++]!;
      if (b <= 0x20) {
        if (b === 0x0a || b === 0x20) {
          // Pretty-printed bodies indent every line: a run of spaces is passed in one go.
          while (i < stop && buf[i] === 0x20) i++;
          continue;
        }
        if (b === 0x0d || b === 0x09) continue;
        state = S_ERROR;
        break;
      }

      if (b === 0x22) {
        let isKey: boolean;
        if (state === S_VALUE || state === S_ARR_FIRST) isKey = false;
        else if (state === S_OBJ_FIRST || state === S_OBJ_KEY) isKey = true;
        else {
          state = S_ERROR;
          break;
        }
        const field = this.field;
        if (isKey && this.trackDepth === this.depth) {
          // A key of a followed object, most often plain and whole in this chunk: matched where it lies.
          let j = i;
          while (j < stop && buf[j] !== 0x22 && buf[j] !== 0x5c) j++;
          if (j < stop && buf[j] === 0x22 && j - i <= MAX_KEY_BYTES) {
            const node = this.trackFields[this.trackDepth - 1]!.node!;
            this.field = j - i < 32 && ((node.lengths >>> (j - i)) & 1) === 1 ? matchKey(node, buf, i, j, false) : null;
            i = j + 1;
            // Compact JSON puts the colon right after the key: taken here, it saves a turn of the loop.
            if (i < stop && buf[i] === 0x3a) {
              i++;
              state = S_VALUE;
            } else state = S_COLON;
            continue;
          }
        }
        if (!isKey && field !== null && field.kind === KIND_MODEL) {
          // The model, in every chunk of a stream: most often the same as the last one, read where it lies.
          const j = this.sameModel(buf, i, stop);
          if (j >= 0) {
            this.slots.strings[field.slot] = this.lastModel;
            this.setSlot(field, SLOT_VALUE);
            this.field = null;
            i = j + 1;
            state = this.depth === 0 ? S_END : S_AFTER;
            continue;
          }
        }
        if (!isKey && field !== null && field.kind === KIND_ENUM) {
          // An event's type, most often plain and whole in this chunk: matched where it lies.
          let j = i;
          while (j < stop && buf[j] !== 0x22 && buf[j] !== 0x5c) j++;
          if (j < stop && buf[j] === 0x22) {
            this.capEscapes = false;
            this.capOverflow = j - i > MAX_CAPTURE_BYTES;
            state = this.endCapture(buf, i, j);
            i = j + 1;
            if (state >= S_ERROR) break;
            continue;
          }
        }
        if (
          isKey
            ? this.trackDepth === this.depth
            : field !== null && (field.kind === KIND_MODEL || field.kind === KIND_ENUM)
        ) {
          this.state = state;
          i = this.captureString(buf, i, stop, isKey ? STR_KEY : STR_CAPTURE);
          state = this.state;
          if (state >= S_ERROR) break;
          continue;
        }
        if (field !== null && !isKey) {
          this.wrongType(field);
          this.field = null;
        }
        // A string nobody asked for: find its closing quote, one not escaped by an odd run of backslashes.
        const quote = closingQuote(buf, i, stop, 0);
        if (quote < 0) {
          this.strRole = isKey ? STR_KEY_SKIP : STR_VALUE;
          this.strBackslashes = trailingBackslashes(buf, i, stop, 0);
          state = S_STRING;
          break;
        }
        i = quote + 1;
        if (isKey) {
          if (i < stop && buf[i] === 0x3a) {
            i++;
            state = S_VALUE;
          } else state = S_COLON;
        } else state = this.depth === 0 ? S_END : S_AFTER;
        continue;
      }

      switch (state) {
        case S_AFTER:
          if (b === 0x2c) {
            const d = this.depth - 1;
            state = d < 32 ? ((this.kinds >>> d) & 1 ? S_OBJ_KEY : S_VALUE) : this.topIsObject() ? S_OBJ_KEY : S_VALUE;
          } else if (b === 0x7d || b === 0x5d) {
            const d = this.depth - 1;
            if (d < 32 && d >= this.trackDepth) {
              if (((this.kinds >>> d) & 1) !== (b === 0x7d ? 1 : 0)) state = S_ERROR;
              else {
                this.depth = d;
                state = d === 0 ? S_END : S_AFTER;
              }
            } else state = this.close(b === 0x7d);
          } else state = S_ERROR;
          break;
        case S_COLON:
          state = b === 0x3a ? S_VALUE : S_ERROR;
          break;
        case S_OBJ_FIRST:
          state = b === 0x7d ? this.close(true) : S_ERROR;
          break;
        case S_VALUE:
        case S_ARR_FIRST: {
          if (b === 0x7b || b === 0x5b) {
            const depth = this.depth;
            if (this.field === null && depth < 32) {
              // A container nobody asked for: only its kind is kept, to check its closing bracket.
              this.kinds = b === 0x7b ? this.kinds | (1 << depth) : this.kinds & ~(1 << depth);
              this.depth = depth + 1;
              state = b === 0x7b ? S_OBJ_FIRST : S_ARR_FIRST;
            } else state = this.open(b === 0x7b);
            break;
          }
          if (b >= 0x30 && b <= 0x39 && this.field === null) {
            // A plain number nobody asked for, read here; anything else goes through the grammar.
            let j = i;
            if (b !== 0x30) while (j < stop && buf[j]! >= 0x30 && buf[j]! <= 0x39) j++;
            const next = j < stop ? buf[j]! : 0x2e;
            if (next !== 0x2e && next !== 0x65 && next !== 0x45 && (next < 0x30 || next > 0x39)) {
              i = j;
              state = this.depth === 0 ? S_END : S_AFTER;
              break;
            }
          }
          if ((b >= 0x30 && b <= 0x39) || b === 0x2d) {
            this.beginNumber(b, i - 1);
            i = this.scanNumber(buf, i, stop);
            state = this.state;
            break;
          }
          if (b === 0x6e && i + 3 <= stop && buf[i] === 0x75 && buf[i + 1] === 0x6c && buf[i + 2] === 0x6c) {
            // null, the commonest literal, read here.
            if (this.field !== null) {
              this.setSlot(this.field, SLOT_NULL);
              this.field = null;
            }
            i += 3;
            state = this.depth === 0 ? S_END : S_AFTER;
            break;
          }
          if (b === 0x74 || b === 0x66 || b === 0x6e) {
            this.beginLiteral(b);
            i = this.scanLiteral(buf, i, stop);
            state = this.state;
            break;
          }
          state = b === 0x5d && state === S_ARR_FIRST ? this.close(false) : S_ERROR;
          break;
        }
        default: // S_OBJ_KEY expects a key; S_END, whitespace only
          state = S_ERROR;
      }
      if (state >= S_ERROR) break;
    }
    this.state = state;
    if (stop < end && state < S_ERROR) {
      if (state === S_END) this.capped = true;
      else this.state = S_GAVE_UP;
    }
  }

  /** Goes on with the string, number or literal the previous chunk cut. */
  private resume(buf: Buffer, i: number, stop: number): number {
    const state = this.state;
    if (state === S_NUMBER) {
      this.tokenStart = i;
      return this.scanNumber(buf, i, stop);
    }
    if (state === S_LITERAL) return this.scanLiteral(buf, i, stop);
    if (this.strRole >= STR_KEY) {
      this.tokenStart = i;
      return this.scanCaptured(buf, i, stop);
    }
    const quote = closingQuote(buf, i, stop, this.strBackslashes);
    if (quote < 0) {
      this.strBackslashes = trailingBackslashes(buf, i, stop, this.strBackslashes);
      return stop;
    }
    this.state = this.strRole === STR_KEY_SKIP ? S_COLON : this.endValue();
    return quote + 1;
  }

  private captureString(buf: Buffer, contentStart: number, stop: number, role: number): number {
    this.strRole = role;
    this.strBackslashes = 0;
    this.capEscapes = false;
    this.capOverflow = false;
    this.spanLength = -1;
    this.tokenStart = contentStart;
    this.state = S_STRING;
    return this.scanCaptured(buf, contentStart, stop);
  }

  /** Reads a captured string from `from`; returns where the scan goes on. */
  private scanCaptured(buf: Buffer, from: number, stop: number): number {
    let escaped = this.strBackslashes === 1;
    let j = from;
    for (; j < stop; j++) {
      const b = buf[j]!;
      if (escaped) escaped = false;
      else if (b === 0x5c) {
        escaped = true;
        this.capEscapes = true;
      } else if (b === 0x22) break;
    }
    if (j === stop) {
      this.keepSpan(buf, stop);
      this.strBackslashes = escaped ? 1 : 0;
      return stop;
    }
    let src = buf;
    let start = this.tokenStart;
    let end = j;
    if (this.spanLength >= 0) {
      this.keepSpan(buf, j);
      src = this.releaseSpan();
      start = 0;
      end = this.spanLength;
    }
    const limit = this.strRole === STR_KEY ? MAX_KEY_BYTES : MAX_CAPTURE_BYTES;
    if (end - start > limit) this.capOverflow = true;
    this.state = this.strRole === STR_KEY ? this.endKey(src, start, end) : this.endCapture(src, start, end);
    return j + 1;
  }

  /** Keeps the current chunk's part of a captured token, up to `to`, for when the token ends. */
  private keepSpan(buf: Buffer, to: number): void {
    if (this.spanLength < 0) this.spanLength = 0;
    const from = this.tokenStart;
    if (this.capOverflow || this.spanLength + (to - from) > MAX_CAPTURE_BYTES) {
      this.capOverflow = true;
      return;
    }
    this.span ??= Buffer.allocUnsafeSlow(MAX_CAPTURE_BYTES);
    buf.copy(this.span, this.spanLength, from, to);
    this.spanLength += to - from;
  }

  /** The kept bytes of the token that has just ended: the buffer goes with it, so that a reader between tokens holds none. */
  private releaseSpan(): Buffer {
    const span = this.span ?? EMPTY;
    this.span = null;
    return span;
  }

  private endKey(src: Buffer, from: number, to: number): number {
    const node = this.trackFields[this.trackDepth - 1]!.node!;
    this.field = this.capOverflow ? null : matchKey(node, src, from, to, this.capEscapes);
    return S_COLON;
  }

  private endCapture(src: Buffer, from: number, to: number): number {
    const field = this.field!;
    if (this.capOverflow) this.setSlot(field, SLOT_OTHER);
    else if (field.kind === KIND_ENUM) {
      const index = this.capEscapes
        ? indexOfDecoded(field.values, src, from, to)
        : matchBytes(field.valueBytes, src, from, to);
      if (index >= 0) {
        this.slots.numbers[field.slot] = index;
        this.setSlot(field, SLOT_VALUE);
      } else {
        this.setSlot(field, SLOT_OTHER);
        // The document is of a kind that carries nothing the reader wants.
        if (field.decisive) return S_SKIPPED;
      }
    } else this.captureModel(field, src, from, to);
    return this.endValue();
  }

  /** The closing quote of a string at `from` that is exactly the last model (without escapes), or -1. */
  private sameModel(buf: Buffer, from: number, stop: number): number {
    const model = this.lastModel;
    const end = from + model.length;
    if (!this.lastModelPlain || end >= stop || buf[end] !== 0x22) return -1;
    for (let k = from; k < end; k++) if (buf[k] !== model.charCodeAt(k - from)) return -1;
    return end;
  }

  private captureModel(field: CompiledField, src: Buffer, from: number, to: number): void {
    let model: string | undefined;
    const plain = !this.capEscapes && isPlainAscii(src, from, to);
    if (plain) {
      model = equalsLatin1(this.lastModel, src, from, to) ? this.lastModel : src.toString('latin1', from, to);
    } else {
      model = decodeJsonString(src.subarray(from, to));
    }
    if (model !== undefined && model.length > 0 && (model === this.lastModel || isWellFormedModel(model))) {
      this.lastModel = model;
      this.lastModelPlain = plain;
      this.slots.strings[field.slot] = model;
      this.setSlot(field, SLOT_VALUE);
    } else this.setSlot(field, SLOT_OTHER);
  }

  private beginNumber(first: number, at: number): void {
    const field = this.field;
    this.numState = first === 0x2d ? N_MINUS : first === 0x30 ? N_ZERO : N_INT;
    this.numCapture = field !== null && field.kind === KIND_COUNT;
    if (field !== null && !this.numCapture) {
      this.wrongType(field);
      this.field = null;
    }
    this.tokenStart = at;
    this.capOverflow = false;
    this.spanLength = -1;
    this.state = S_NUMBER;
  }

  /** Reads a number from `i` through JSON's grammar; returns where the scan goes on. */
  private scanNumber(buf: Buffer, i: number, stop: number): number {
    let sub = this.numState;
    for (; i < stop; i++) {
      const b = buf[i]!;
      if (b >= 0x30 && b <= 0x39) {
        if (sub === N_MINUS) sub = b === 0x30 ? N_ZERO : N_INT;
        else if (sub === N_ZERO) sub = N_BAD;
        else if (sub === N_DOT) sub = N_FRAC;
        else if (sub === N_EXP || sub === N_EXP_SIGN) sub = N_EXP_DIGITS;
      } else if (b === 0x2e) sub = sub === N_ZERO || sub === N_INT ? N_DOT : N_BAD;
      else if (b === 0x65 || b === 0x45) sub = sub === N_ZERO || sub === N_INT || sub === N_FRAC ? N_EXP : N_BAD;
      else if (b === 0x2b || b === 0x2d) sub = sub === N_EXP ? N_EXP_SIGN : N_BAD;
      else break;
      if (sub === N_BAD) {
        this.state = S_ERROR;
        return i;
      }
    }
    this.numState = sub;
    if (i === stop) {
      if (this.numCapture) this.keepSpan(buf, stop);
      return stop;
    }
    // The byte after the number is not part of it: the structural loop reads it next.
    if (!isNumberEnd(sub)) {
      this.state = S_ERROR;
      return i;
    }
    if (!this.numCapture) this.state = this.endValue();
    else if (this.spanLength >= 0) {
      this.keepSpan(buf, i);
      this.state = this.endNumber(this.releaseSpan(), 0, this.spanLength);
    } else this.state = this.endNumber(buf, this.tokenStart, i);
    return i;
  }

  private endNumber(src: Buffer, from: number, to: number): number {
    const field = this.field;
    if (this.numCapture && field !== null) {
      const value = this.capOverflow || to - from > MAX_NUMBER_BYTES ? Number.NaN : parseNumber(src, from, to);
      if (Number.isSafeInteger(value) && value >= 0) {
        this.slots.numbers[field.slot] = value + 0; // -0 is 0
        this.setSlot(field, SLOT_VALUE);
      } else this.setSlot(field, SLOT_INVALID);
    }
    return this.endValue();
  }

  private beginLiteral(first: number): void {
    const field = this.field;
    if (field !== null) {
      if (first === 0x6e) this.setSlot(field, SLOT_NULL);
      else this.wrongType(field);
      this.field = null;
    }
    this.literal = LITERALS[first === 0x74 ? 0 : first === 0x66 ? 1 : 2];
    this.literalAt = 1;
    this.state = S_LITERAL;
  }

  private scanLiteral(buf: Buffer, i: number, stop: number): number {
    const literal = this.literal;
    let at = this.literalAt;
    while (i < stop && at < literal.length) {
      if (buf[i] !== literal[at]) {
        this.state = S_ERROR;
        return i;
      }
      i++;
      at++;
    }
    this.literalAt = at;
    if (at === literal.length) this.state = this.endValue();
    return i;
  }

  private endValue(): number {
    this.field = null;
    return this.depth === 0 ? S_END : S_AFTER;
  }

  private open(isObject: boolean): number {
    const depth = this.depth;
    if (depth >= MAX_DEPTH) return S_GAVE_UP;
    const field = this.field;
    if (field !== null) {
      if (field.kind === KIND_OBJECT && isObject) {
        this.setSlot(field, SLOT_OPEN);
        this.trackFields[this.trackDepth++] = field;
      } else this.wrongType(field);
      this.field = null;
    }
    if (depth < 32) {
      this.kinds = isObject ? this.kinds | (1 << depth) : this.kinds & ~(1 << depth);
    } else {
      const deep = (this.deepKinds ??= new Int32Array((MAX_DEPTH - 32) >>> 5));
      const d = depth - 32;
      deep[d >>> 5] = isObject ? deep[d >>> 5]! | (1 << (d & 31)) : deep[d >>> 5]! & ~(1 << (d & 31));
    }
    this.depth = depth + 1;
    return isObject ? S_OBJ_FIRST : S_ARR_FIRST;
  }

  private close(isObject: boolean): number {
    if (this.topIsObject() !== isObject) return S_ERROR;
    if (this.trackDepth === this.depth) {
      const field = this.trackFields[--this.trackDepth]!;
      if (field.slot >= 0 && this.slots.states[field.slot] === SLOT_OPEN) this.slots.states[field.slot] = SLOT_VALUE;
    }
    this.depth--;
    return this.depth === 0 ? S_END : S_AFTER;
  }

  private topIsObject(): boolean {
    const d = this.depth - 1;
    if (d < 32) return ((this.kinds >>> d) & 1) === 1;
    const deep = this.deepKinds!;
    return ((deep[(d - 32) >>> 5]! >>> ((d - 32) & 31)) & 1) === 1;
  }

  private wrongType(field: CompiledField): void {
    this.setSlot(field, field.strict ? SLOT_INVALID : SLOT_OTHER);
  }

  /** Sets a field's state; a value replacing an object also drops what that object held. */
  private setSlot(field: CompiledField, state: number): void {
    const slot = field.slot;
    if (slot < 0) return;
    const states = this.slots.states;
    states[slot] = state;
    for (let s = slot + 1; s < field.subtreeEnd; s++) states[s] = SLOT_ABSENT;
  }
}

function isNumberEnd(sub: number): boolean {
  return sub === N_ZERO || sub === N_INT || sub === N_FRAC || sub === N_EXP_DIGITS;
}

/**
 * The closing quote of a string whose content goes on at `from`: the first quote not escaped, that is
 * not preceded by an odd run of backslashes (`carried` of them just before `from`); -1 if none by `stop`.
 */
function closingQuote(buf: Buffer, from: number, stop: number, carried: number): number {
  let j = from;
  for (;;) {
    const short = j + SHORT_STRING_BYTES < stop ? j + SHORT_STRING_BYTES : stop;
    while (j < short && buf[j] !== 0x22) j++;
    if (j === short) {
      if (j === stop) return -1;
      j = buf.indexOf(0x22, j);
      if (j < 0 || j >= stop) return -1;
    }
    let k = j - 1;
    while (k >= from && buf[k] === 0x5c) k--;
    const run = k < from ? j - from + carried : j - 1 - k;
    if ((run & 1) === 0) return j;
    j++;
    from = j;
    carried = 0;
  }
}

/** The backslashes that end `buf[from, stop)`, with `carried` more before `from` if all of it is backslashes. */
function trailingBackslashes(buf: Buffer, from: number, stop: number, carried: number): number {
  let k = stop - 1;
  while (k >= from && buf[k] === 0x5c) k--;
  return k < from ? stop - from + carried : stop - 1 - k;
}

/** The field a key (raw JSON string content) names, as JSON means it, or null. */
function matchKey(node: SchemaNode, src: Buffer, from: number, to: number, escaped: boolean): CompiledField | null {
  const index = escaped ? indexOfDecoded(node.names, src, from, to) : matchBytes(node.keys, src, from, to);
  return index < 0 ? null : node.fields[index]!;
}

/** The index of the string equal to what the JSON string content `src[from, to)` means, or -1. */
function indexOfDecoded(candidates: readonly string[], src: Buffer, from: number, to: number): number {
  const text = decodeJsonString(src.subarray(from, to));
  return text === undefined ? -1 : candidates.indexOf(text);
}

/** The value of a well-formed JSON number's text, as JSON.parse reads it. */
function parseNumber(buf: Buffer, from: number, to: number): number {
  if (to - from <= N_PLAIN_LIMIT) {
    let value = 0;
    let k = from;
    for (; k < to; k++) {
      const b = buf[k]!;
      if (b < 0x30 || b > 0x39) break;
      value = value * 10 + (b - 0x30);
    }
    if (k === to) return value;
  }
  return Number(buf.toString('latin1', from, to));
}
