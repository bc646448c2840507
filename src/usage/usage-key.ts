// Whether an event's data line names usage, told from its bytes without scanning them as JSON.
// Inside a JSON string a quote is escaped, so the seven bytes `"usage"` (closing quote included)
// only ever occur as a whole string token: a key, or a value that says "usage". Content can never
// fake one. A line "names usage" when some `"usage"` is followed by a colon and a value other than
// `null`: anything else (an object, or what a scan would call malformed) counts.

const KEY = Buffer.from('"usage"');

function isSpace(b: number | undefined): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
}

// Horspool's skips for `"usage"`: how far the search may move on when the byte under the key's last
// position is this one. Most bytes move it the key's whole length, so a line is read a byte in
// several; in JavaScript that beats Buffer#indexOf, whose call alone costs more on lines this short.
const SKIP = new Uint8Array(256).fill(KEY.length);
for (let k = 0; k < KEY.length - 1; k++) SKIP[KEY[k]!] = KEY.length - 1 - k;

/** Where the first `"usage"` wholly inside `buf[from, end)` begins, or -1. */
function findKey(buf: Buffer, from: number, end: number): number {
  const last = KEY.length - 1;
  for (let i = from + last; i < end; i += SKIP[buf[i]!]!) {
    if (buf[i] !== 0x22) continue;
    let k = 1;
    while (k < KEY.length && buf[i - k] === KEY[last - k]) k++;
    if (k === KEY.length) return i - last;
  }
  return -1;
}

/** Whether the line `buf[start, end)` names usage. */
export function namesUsage(buf: Buffer, start: number, end: number): boolean {
  for (let at = findKey(buf, start, end); at >= 0; at = findKey(buf, at + 1, end)) {
    let k = at + KEY.length;
    while (k < end && isSpace(buf[k])) k++;
    if (k < end && buf[k] === 0x3a) {
      k++;
      while (k < end && isSpace(buf[k])) k++;
      const isNull =
        k + 4 <= end && buf[k] === 0x6e && buf[k + 1] === 0x75 && buf[k + 2] === 0x6c && buf[k + 3] === 0x6c;
      if (!isNull) return true;
    }
  }
  return false;
}

/**
 * `namesUsage` for a line given as text (without line ends): the same answer as for its UTF-8 bytes,
 * since every byte the rule looks at is ASCII, and ASCII is itself in both.
 */
export function textNamesUsage(line: string): boolean {
  for (let at = line.indexOf('"usage"'); at >= 0; at = line.indexOf('"usage"', at + 1)) {
    let k = at + KEY.length;
    while (k < line.length && isSpace(line.charCodeAt(k))) k++;
    if (k < line.length && line.charCodeAt(k) === 0x3a) {
      k++;
      while (k < line.length && isSpace(line.charCodeAt(k))) k++;
      if (!line.startsWith('null', k)) return true;
    }
  }
  return false;
}

/** `isObjectShaped` for a line given as text. */
export function isObjectShapedText(line: string): boolean {
  let start = 0;
  let end = line.length;
  while (start < end && isSpace(line.charCodeAt(start))) start++;
  while (end > start && isSpace(line.charCodeAt(end - 1))) end--;
  return end - start >= 2 && line.charCodeAt(start) === 0x7b && line.charCodeAt(end - 1) === 0x7d;
}

/** Whether `buf[start, end)` is shaped as one JSON object: `{` first and `}` last, spaces aside. */
export function isObjectShaped(buf: Buffer, start: number, end: number): boolean {
  while (start < end && isSpace(buf[start])) start++;
  while (end > start && isSpace(buf[end - 1])) end--;
  return end - start >= 2 && buf[start] === 0x7b && buf[end - 1] === 0x7d;
}

// The states of LineWatch: W_KEY + n, n bytes of `"usage"` matched; then what follows a whole one.
const W_KEY = 0;
const W_AFTER_KEY = KEY.length; // spaces, then a colon
const W_AFTER_COLON = W_AFTER_KEY + 1; // spaces, then the value
const W_NULL = W_AFTER_COLON + 1; // W_NULL + n: n bytes of `null` matched, n >= 1
const NULL = [0x6e, 0x75, 0x6c, 0x6c] as const;

/**
 * The same answers as `isObjectShaped` and `namesUsage` for a line that arrives in pieces (cut by
 * chunk ends), a byte at a time: so that whether an event is passed over never depends on where
 * the chunks were cut.
 */
export class LineWatch {
  private first = -1;
  private last = -1;
  private state = W_KEY;
  /** Spaces came between the key and what follows it. */
  private spaced = false;
  private named = false;

  begin(): void {
    this.first = -1;
    this.last = -1;
    this.state = W_KEY;
    this.named = false;
  }

  feed(buf: Buffer, start: number, end: number): void {
    for (let k = start; k < end; k++) {
      const b = buf[k]!;
      if (!isSpace(b)) {
        if (this.first < 0) this.first = b;
        this.last = b;
      }
      if (!this.named) this.step(b);
    }
  }

  /** The line has ended: whether it was one object that names no usage. */
  passes(): boolean {
    if (this.state >= W_AFTER_COLON) this.named = true;
    return this.first === 0x7b && this.last === 0x7d && !this.named;
  }

  private step(b: number): void {
    const state = this.state;
    if (state < W_AFTER_KEY) {
      if (b === KEY[state]) this.state = state + 1;
      else this.state = b === 0x22 ? 1 : 0;
      this.spaced = false;
    } else if (state === W_AFTER_KEY) {
      if (isSpace(b)) this.spaced = true;
      else if (b === 0x3a) this.state = W_AFTER_COLON;
      // The key's closing quote may open another `"usage"` right after it.
      else this.state = b === 0x22 ? 1 : !this.spaced && b === KEY[1] ? 2 : 0;
    } else if (state === W_AFTER_COLON) {
      if (b === NULL[0]) this.state = W_NULL + 1;
      else if (!isSpace(b)) this.named = true;
    } else {
      const matched = state - W_NULL;
      if (b !== NULL[matched]) this.named = true;
      else this.state = matched + 1 === NULL.length ? W_KEY : state + 1;
    }
  }
}
