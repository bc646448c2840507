import type { JsonFormat, StreamAccumulator, StreamFormat } from './format';
import { openAiUsageField, openAiUsageLayout, type OpenAiUsageNames } from './openai-usage';
import {
  compileSchema,
  KIND_ENUM,
  KIND_MODEL,
  KIND_OBJECT,
  SLOT_ABSENT,
  SLOT_INVALID,
  SLOT_VALUE,
  type Slots,
  slotOf,
} from './schema';
import type { Usage } from './types';
import { Counts, mergeCounts, toUsage } from './usage-counts';

// OpenAI Responses: `model` and `usage` at the top of the response object. A stream carries the
// whole response object in its events; its usage only in the terminal one.

// The event types that carry the response object: the terminal ones first, then those read for the
// model alone. Other events (the deltas, most of a stream) are not read past their `type`.
const EVENT_TYPES = [
  'response.completed',
  'response.incomplete',
  'response.failed',
  'response.created',
  'response.in_progress',
  'response.queued',
];
const TERMINAL_TYPES = 3;

const NAMES: OpenAiUsageNames = { input: 'input_tokens', output: 'output_tokens' };
const USAGE = openAiUsageField(NAMES);

const jsonSchema = compileSchema([{ key: 'model', kind: KIND_MODEL }, USAGE]);
export const responsesJson: JsonFormat = {
  schema: jsonSchema,
  model: slotOf(jsonSchema, 'model'),
  usage: openAiUsageLayout(jsonSchema, '', NAMES),
};

const streamSchema = compileSchema([
  { key: 'type', kind: KIND_ENUM, values: EVENT_TYPES, decisive: true },
  { key: 'response', kind: KIND_OBJECT, fields: [{ key: 'model', kind: KIND_MODEL }, USAGE] },
]);
const TYPE = slotOf(streamSchema, 'type');
const RESPONSE = slotOf(streamSchema, 'response');
const MODEL = slotOf(streamSchema, 'response.model');
const LAYOUT = openAiUsageLayout(streamSchema, 'response.', NAMES);

class ResponsesStream implements StreamAccumulator {
  model: string | undefined = undefined;
  usage: Usage | undefined = undefined;
  malformed = false;
  complete = false;
  /** Usage comes in events that name it, but so does the end: events are told apart by their type. */
  readonly passesEventsWithoutUsage = false;
  private readonly counts = new Counts();

  get settled(): boolean {
    return this.complete;
  }

  document(slots: Slots, eventName: number): void {
    const carriesResponse = slots.states[RESPONSE] === SLOT_VALUE;
    // Every event that carries the response names its model; the terminal one has the last word.
    if (carriesResponse) this.model = slots.model(MODEL) ?? this.model;
    const type = slots.states[TYPE] === SLOT_ABSENT ? eventName : slots.enumIndex(TYPE);
    const terminal = type >= 0 && type < TERMINAL_TYPES;
    if (!terminal) return;
    this.complete = true;
    if (!carriesResponse) return;
    const state = slots.states[LAYOUT.object];
    if (state === SLOT_INVALID) this.malformed = true;
    else if (state === SLOT_VALUE) {
      mergeCounts(slots, LAYOUT, this.counts);
      const usage = toUsage(this.counts, LAYOUT);
      if (usage === undefined) this.malformed = true;
      else this.usage = usage;
    }
  }

  done(): void {}

  partial(): Partial<Usage> {
    return {};
  }
}

export const responsesStream: StreamFormat = {
  schema: streamSchema,
  eventNames: EVENT_TYPES.map((name) => Buffer.from(name)),
  create: () => new ResponsesStream(),
};
