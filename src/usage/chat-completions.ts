import type { JsonFormat, StreamAccumulator, StreamFormat } from './format';
import { openAiUsageField, openAiUsageLayout, type OpenAiUsageNames } from './openai-usage';
import { compileSchema, KIND_MODEL, type Schema, SLOT_INVALID, SLOT_VALUE, type Slots, slotOf } from './schema';
import type { Usage } from './types';
import { Counts, mergeCounts, toPartial, toUsage, type UsageLayout } from './usage-counts';

// OpenAI Chat Completions: `model` and `usage` at the top of the completion object, and of each chunk
// of a stream; a stream carries usage in one chunk (with `stream_options.include_usage`), then
// ends with `data: [DONE]`. The chunks in between (content deltas, and `"usage":null` when usage
// was asked for) are passed over unread once the model is known.

const NAMES: OpenAiUsageNames = { input: 'prompt_tokens', output: 'completion_tokens' };
const schema: Schema = compileSchema([{ key: 'model', kind: KIND_MODEL }, openAiUsageField(NAMES)]);
const MODEL = slotOf(schema, 'model');
const LAYOUT: UsageLayout = openAiUsageLayout(schema, '', NAMES);

export const chatCompletionsJson: JsonFormat = { schema, model: MODEL, usage: LAYOUT, inputIncludesCache: true };

class ChatCompletionsStream implements StreamAccumulator {
  model: string | undefined = undefined;
  usage: Usage | undefined = undefined;
  malformed = false;
  complete = false;
  private readonly counts = new Counts();

  get settled(): boolean {
    return this.complete;
  }

  /** Once the model is known, only the chunk that carries usage, and `[DONE]`, still matter. */
  get passesEventsWithoutUsage(): boolean {
    return this.model !== undefined;
  }

  document(slots: Slots): void {
    this.model = slots.model(MODEL) ?? this.model;
    const state = slots.states[LAYOUT.object];
    if (state === SLOT_INVALID) this.malformed = true;
    else if (state === SLOT_VALUE) {
      // Each chunk's usage is whole: a later one replaces an earlier one.
      this.counts.clear();
      mergeCounts(slots, LAYOUT, this.counts);
      const usage = toUsage(this.counts, true);
      if (usage === undefined) this.malformed = true;
      else this.usage = usage;
    }
  }

  done(): void {
    this.complete = true;
  }

  partial(): Partial<Usage> {
    return this.usage === undefined ? {} : toPartial(this.counts, true);
  }
}

export const chatCompletionsStream: StreamFormat = {
  schema,
  eventNames: [],
  create: () => new ChatCompletionsStream(),
};
