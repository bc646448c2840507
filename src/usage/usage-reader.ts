import { anthropicMessagesJson, anthropicMessagesStream } from './anthropic-messages';
import { chatCompletionsJson, chatCompletionsStream } from './chat-completions';
import { forEachPiece } from './chunk-bytes';
import type { JsonFormat, StreamFormat } from './format';
import { contentCoding, isEventStream } from './headers';
import { Inflater } from './inflater';
import { JsonBodyReader } from './json-body';
import { type BodyReader, unavailableOutcome } from './outcome';
import { responsesJson, responsesStream } from './responses';
import { SseBodyReader } from './sse-body';
import type { UsageFormat, UsageOutcome, UsageReader } from './types';

export type { Usage, UsageFormat, UsageOutcome, UsageReader, UsageUnavailableReason } from './types';
export { MAX_DOCUMENT_BYTES } from './limits';

const FORMATS: Readonly<Record<UsageFormat, { readonly json: JsonFormat; readonly stream: StreamFormat }>> = {
  openai_chat_completions: { json: chatCompletionsJson, stream: chatCompletionsStream },
  openai_responses: { json: responsesJson, stream: responsesStream },
  anthropic_messages: { json: anthropicMessagesJson, stream: anthropicMessagesStream },
};

/**
 * A reader of one response's usage, for the format of the interception's route and the response's
 * own headers: `text/event-stream` is read as an event stream, anything else as one JSON document.
 * Throws a TypeError for a format outside UsageFormat (a caller's bug the types already rule out).
 */
export function createUsageReader(
  format: UsageFormat,
  headers: { readonly contentType: string | undefined; readonly contentEncoding: string | undefined },
): UsageReader {
  const streaming = isEventStream(headers.contentType);
  const coding = contentCoding(headers.contentEncoding);
  const formats = Object.hasOwn(FORMATS, format) ? FORMATS[format] : undefined;
  if (formats === undefined) throw new TypeError(`unknown usage format: ${String(format)}`);
  if (coding === undefined) return new FixedReader(unavailableOutcome(streaming, undefined, 'encoded'));
  const body = streaming ? new SseBodyReader(formats.stream) : new JsonBodyReader(formats.json);
  return new BodyUsageReader(
    streaming,
    body,
    coding === 'identity' ? null : (onFinished) => new Inflater(coding, body, onFinished),
  );
}

/** A response whose bytes cannot be read (an unknown Content-Encoding): the outcome is known up front. */
class FixedReader implements UsageReader {
  constructor(private readonly outcome: UsageOutcome) {}
  write(): void {}
  end(_aborted: boolean, done: (outcome: UsageOutcome) => void): void {
    notify(done, this.outcome);
  }
}

class BodyUsageReader implements UsageReader {
  private readonly inflater: Inflater | null;
  private ended = false;
  private aborted = false;
  /** An unexpected failure of the reader itself: its outcome is then `malformed`, never a throw. */
  private broken = false;
  private result: UsageOutcome | undefined = undefined;
  /** Who waits for the outcome while a compressed body is still being inflated. */
  private waiting: ((outcome: UsageOutcome) => void)[] | null = null;

  constructor(
    private readonly streaming: boolean,
    private readonly body: BodyReader,
    inflater: ((onFinished: () => void) => Inflater) | null,
  ) {
    this.inflater = inflater === null ? null : inflater(() => this.settle());
  }

  write(chunk: string | Uint8Array, encoding?: BufferEncoding): void {
    if (this.ended || this.broken) return;
    try {
      if (this.inflater !== null) this.inflater.write(chunk, encoding);
      else if (this.body.satisfied) return;
      else if (Buffer.isBuffer(chunk)) this.body.push(chunk, 0, chunk.length);
      else if (typeof chunk === 'string' && isUtf8(encoding) && this.body.pushText?.(chunk) === true) return;
      else forEachPiece(chunk, encoding, this);
    } catch {
      this.broken = true;
    }
  }

  end(aborted: boolean, done: (outcome: UsageOutcome) => void): void {
    if (this.result !== undefined) {
      notify(done, this.result);
      return;
    }
    if (this.ended) {
      this.waiting!.push(done);
      return;
    }
    this.ended = true;
    this.aborted = aborted;
    this.waiting = [done];
    let later = false;
    try {
      later = this.inflater !== null && this.inflater.end();
    } catch {
      this.broken = true;
    }
    if (!later) this.settle();
  }

  /** A piece of a chunk given as a string or a Uint8Array that is not a Buffer. */
  piece(buf: Buffer, start: number, end: number): void {
    this.body.push(buf, start, end);
  }

  private settle(): void {
    if (this.result !== undefined) return;
    let result: UsageOutcome;
    try {
      result = this.broken
        ? unavailableOutcome(this.streaming, undefined, 'malformed')
        : this.body.outcome(this.aborted, this.inflater?.interruption);
    } catch {
      result = unavailableOutcome(this.streaming, undefined, 'malformed');
    }
    this.result = result;
    const waiting = this.waiting ?? [];
    this.waiting = null;
    for (const done of waiting) notify(done, result);
  }
}

function isUtf8(encoding: BufferEncoding | undefined): boolean {
  return encoding === undefined || encoding === 'utf8' || encoding === 'utf-8';
}

// `done` runs in a zlib callback when the body was compressed: a throw there would crash the gateway.
function notify(done: (outcome: UsageOutcome) => void, outcome: UsageOutcome): void {
  try {
    done(outcome);
  } catch {
    // The caller's fault, and not one the gateway should die of.
  }
}
