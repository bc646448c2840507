import type { JsonFormat, StreamAccumulator, StreamFormat } from './format';
import {
  compileSchema,
  type FieldSpec,
  KIND_COUNT,
  KIND_ENUM,
  KIND_MODEL,
  KIND_OBJECT,
  type Schema,
  SLOT_ABSENT,
  SLOT_INVALID,
  SLOT_VALUE,
  type Slots,
  slotOf,
} from './schema';
import type { Usage } from './types';
import { Counts, mergeCounts, toPartial, toUsage, type UsageLayout } from './usage-counts';

// Anthropic Messages: `model` and `usage` at the top of the message. A stream names them in
// `message_start` (`message.model`, `message.usage`); each `message_delta` carries `usage` again,
// cumulative: the last value of each figure wins. `message_stop` ends the message. Other events (the
// content deltas, most of a stream) are not read past their `type`.

const EVENT_TYPES = ['message_start', 'message_delta', 'message_stop'];
const MESSAGE_START = 0;
const MESSAGE_DELTA = 1;
const MESSAGE_STOP = 2;

const USAGE: FieldSpec = {
  key: 'usage',
  kind: KIND_OBJECT,
  strict: true,
  fields: [
    { key: 'input_tokens', kind: KIND_COUNT },
    { key: 'output_tokens', kind: KIND_COUNT },
    { key: 'cache_read_input_tokens', kind: KIND_COUNT },
    { key: 'cache_creation_input_tokens', kind: KIND_COUNT },
  ],
};

function layout(schema: Schema, prefix: string): UsageLayout {
  return {
    object: slotOf(schema, `${prefix}usage`),
    input: slotOf(schema, `${prefix}usage.input_tokens`),
    output: slotOf(schema, `${prefix}usage.output_tokens`),
    cacheRead: slotOf(schema, `${prefix}usage.cache_read_input_tokens`),
    cacheCreation: slotOf(schema, `${prefix}usage.cache_creation_input_tokens`),
    reasoning: -1,
    inputIncludesCache: false,
  };
}

const jsonSchema = compileSchema([{ key: 'model', kind: KIND_MODEL }, USAGE]);
export const anthropicMessagesJson: JsonFormat = {
  schema: jsonSchema,
  model: slotOf(jsonSchema, 'model'),
  usage: layout(jsonSchema, ''),
};

const streamSchema = compileSchema([
  { key: 'type', kind: KIND_ENUM, values: EVENT_TYPES, decisive: true },
  { key: 'message', kind: KIND_OBJECT, fields: [{ key: 'model', kind: KIND_MODEL }, USAGE] },
  USAGE,
]);
const TYPE = slotOf(streamSchema, 'type');
const MESSAGE = slotOf(streamSchema, 'message');
const MODEL = slotOf(streamSchema, 'message.model');
const START_USAGE = layout(streamSchema, 'message.');
const DELTA_USAGE = layout(streamSchema, '');

class AnthropicMessagesStream implements StreamAccumulator {
  model: string | undefined = undefined;
  usage: Usage | undefined = undefined;
  malformed = false;
  complete = false;
  /** Usage comes in events that name it, but so does the end: events are told apart by their type. */
  readonly passesEventsWithoutUsage = false;
  private readonly counts = new Counts();
  private sawUsage = false;

  get settled(): boolean {
    return this.complete;
  }

  document(slots: Slots, eventName: number): void {
    const type = slots.states[TYPE] === SLOT_ABSENT ? eventName : slots.enumIndex(TYPE);
    if (type === MESSAGE_START) {
      if (slots.states[MESSAGE] !== SLOT_VALUE) return;
      this.model = slots.model(MODEL) ?? this.model;
      this.merge(slots, START_USAGE);
    } else if (type === MESSAGE_DELTA) {
      this.merge(slots, DELTA_USAGE);
    } else if (type === MESSAGE_STOP) {
      this.complete = true;
      if (this.sawUsage) {
        const usage = toUsage(this.counts, START_USAGE);
        if (usage === undefined) this.malformed = true;
        else this.usage = usage;
      }
    }
  }

  private merge(slots: Slots, layout: UsageLayout): void {
    const state = slots.states[layout.object];
    if (state !== SLOT_VALUE && state !== SLOT_INVALID) return;
    this.sawUsage = true;
    mergeCounts(slots, layout, this.counts);
    if (this.counts.invalid) this.malformed = true;
  }

  done(): void {}

  partial(): Partial<Usage> {
    return toPartial(this.counts, START_USAGE);
  }
}

export const anthropicMessagesStream: StreamFormat = {
  schema: streamSchema,
  eventNames: EVENT_TYPES.map((name) => Buffer.from(name)),
  create: () => new AnthropicMessagesStream(),
};
