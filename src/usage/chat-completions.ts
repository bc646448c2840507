import type { JsonFormat, StreamAccumulator, StreamFormat } from './format';
import { openAiUsageField, openAiUsageLayout, type OpenAiUsageNames } from './openai-usage';
import {
  compileSchema,
  KIND_MODEL,
  KIND_OBJECT,
  type Schema,
  SLOT_INVALID,
  SLOT_VALUE,
  type Slots,
  slotOf,
} from './schema';
import type { Usage } from './types';
import { Counts, mergeCounts, toPartial, toUsage, type UsageLayout } from './usage-counts';

// OpenAI Chat Completions: `model` and `usage` at the top of the completion object, and of each chunk
// of a stream; a stream carries usage in one chunk (with `stream_options.include_usage`), then
// ends with `data: [DONE]`. The chunks in between (content deltas, and `"usage":null` when usage
// was asked for) are passed over unread once the model is known. Groq's compatible streams carry the
// usage in their final chunk under `x_groq.usage`, read when no top-level `usage` came.

const NAMES: OpenAiUsageNames = { input: 'prompt_tokens', output: 'completion_tokens' };
const USAGE = openAiUsageField(NAMES);

const jsonSchema: Schema = compileSchema([{ key: 'model', kind: KIND_MODEL }, USAGE]);
export const chatCompletionsJson: JsonFormat = {
  schema: jsonSchema,
  model: slotOf(jsonSchema, 'model'),
  usage: openAiUsageLayout(jsonSchema, '', NAMES),
};

const streamSchema: Schema = compileSchema([
  { key: 'model', kind: KIND_MODEL },
  USAGE,
  { key: 'x_groq', kind: KIND_OBJECT, fields: [USAGE] },
]);
const MODEL = slotOf(streamSchema, 'model');
const LAYOUT: UsageLayout = openAiUsageLayout(streamSchema, '', NAMES);
const GROQ_LAYOUT: UsageLayout = openAiUsageLayout(streamSchema, 'x_groq.', NAMES);

class ChatCompletionsStream implements StreamAccumulator {
  model: string | undefined = undefined;
  usage: Usage | undefined = undefined;
  malformed = false;
  complete = false;
  private readonly counts = new Counts();
  /** A top-level `usage` came: Groq's own copy no longer counts. */
  private topLevel = false;

  get settled(): boolean {
    return this.complete;
  }

  /** Once the model is known, only the chunk that carries usage, and `[DONE]`, still matter. */
  get passesEventsWithoutUsage(): boolean {
    return this.model !== undefined;
  }

  document(slots: Slots): void {
    this.model = slots.model(MODEL) ?? this.model;
    const states = slots.states;
    if (carries(states[LAYOUT.object])) {
      this.topLevel = true;
      this.read(slots, LAYOUT);
    } else if (!this.topLevel && carries(states[GROQ_LAYOUT.object])) this.read(slots, GROQ_LAYOUT);
  }

  private read(slots: Slots, layout: UsageLayout): void {
    if (slots.states[layout.object] === SLOT_INVALID) {
      this.malformed = true;
      return;
    }
    // Each chunk's usage is whole: a later one replaces an earlier one.
    this.counts.clear();
    mergeCounts(slots, layout, this.counts);
    const usage = toUsage(this.counts, layout);
    if (usage === undefined) this.malformed = true;
    else this.usage = usage;
  }

  done(): void {
    this.complete = true;
  }

  partial(): Partial<Usage> {
    return this.usage === undefined ? {} : toPartial(this.counts, LAYOUT);
  }
}

/** A usage object, or a value of the wrong type where one should be (`null` means none). */
function carries(state: number | undefined): boolean {
  return state === SLOT_VALUE || state === SLOT_INVALID;
}

export const chatCompletionsStream: StreamFormat = {
  schema: streamSchema,
  eventNames: [],
  create: () => new ChatCompletionsStream(),
};
