import { MAX_MODEL_CHARS } from './limits';

// Captured strings are rare (a model name, an event type, a key that needs decoding), so they go
// through the platform's decoders rather than a hand-written one.
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The string a JSON string literal's raw content (the bytes between its quotes) stands for, or
 * undefined when it is not valid UTF-8 or not a valid JSON string (a bad escape, a control character).
 */
export function decodeJsonString(raw: Uint8Array): string | undefined {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    return undefined;
  }
  if (!hasByte(raw, 0x5c) && !hasControl(text)) return text;
  try {
    return JSON.parse(`"${text}"`) as string;
  } catch {
    return undefined;
  }
}

function hasByte(raw: Uint8Array, byte: number): boolean {
  for (let i = 0; i < raw.length; i++) if (raw[i] === byte) return true;
  return false;
}

function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) < 0x20) return true;
  return false;
}

/**
 * A model name worth recording: 1 to MAX_MODEL_CHARS characters, none of them a control character
 * (C0, DEL, C1) or half of a surrogate pair. It lands in span attributes and metric labels.
 */
export function isWellFormedModel(model: string): boolean {
  if (model.length === 0 || model.length > 2 * MAX_MODEL_CHARS) return false;
  let chars = 0;
  for (let i = 0; i < model.length; i++) {
    const c = model.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return false;
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = model.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return false;
    }
    chars++;
  }
  return chars <= MAX_MODEL_CHARS;
}

/** Whether raw JSON string content is printable ASCII without escapes: then it is its own text. */
export function isPlainAscii(src: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const b = src[i]!;
    if (b < 0x20 || b > 0x7e || b === 0x5c) return false;
  }
  return true;
}

/** Whether `text` is exactly the characters of `src[from, to)` (read as Latin-1). */
export function equalsLatin1(text: string, src: Uint8Array, from: number, to: number): boolean {
  if (text.length !== to - from) return false;
  for (let i = from; i < to; i++) if (src[i] !== text.charCodeAt(i - from)) return false;
  return true;
}

/** The index of the byte string among `candidates` equal to `src[from, to)`, or -1. */
export function matchBytes(candidates: readonly Uint8Array[], src: Uint8Array, from: number, to: number): number {
  const length = to - from;
  outer: for (let c = 0; c < candidates.length; c++) {
    const candidate = candidates[c]!;
    if (candidate.length !== length) continue;
    for (let k = 0; k < length; k++) if (candidate[k] !== src[from + k]) continue outer;
    return c;
  }
  return -1;
}
