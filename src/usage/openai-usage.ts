import { type FieldSpec, KIND_COUNT, KIND_OBJECT, type Schema, slotOf } from './schema';
import type { UsageLayout } from './usage-counts';

/**
 * OpenAI's two usage objects differ only in the names of their counts: Chat Completions says
 * `prompt_tokens` and `completion_tokens`, Responses `input_tokens` and `output_tokens`. Each count
 * has its details beside it, `<count>_details`, with the cached input and the reasoning output.
 */
export interface OpenAiUsageNames {
  readonly input: string;
  readonly output: string;
}

/** The `usage` object, as the schema follows it. */
export function openAiUsageField({ input, output }: OpenAiUsageNames): FieldSpec {
  const details = (count: string, detail: string): FieldSpec => ({
    key: `${count}_details`,
    kind: KIND_OBJECT,
    // Details hold parts only: a details object of the wrong type leaves them out, not the usage.
    fields: [{ key: detail, kind: KIND_COUNT }],
  });
  return {
    key: 'usage',
    kind: KIND_OBJECT,
    strict: true,
    fields: [
      { key: input, kind: KIND_COUNT },
      { key: output, kind: KIND_COUNT },
      details(input, 'cached_tokens'),
      details(output, 'reasoning_tokens'),
    ],
  };
}

/** Where the counts of the `usage` object at `prefix` are in `schema`'s slots. */
export function openAiUsageLayout(schema: Schema, prefix: string, { input, output }: OpenAiUsageNames): UsageLayout {
  const usage = `${prefix}usage`;
  return {
    object: slotOf(schema, usage),
    input: slotOf(schema, `${usage}.${input}`),
    output: slotOf(schema, `${usage}.${output}`),
    cacheRead: slotOf(schema, `${usage}.${input}_details.cached_tokens`),
    cacheCreation: -1,
    reasoning: slotOf(schema, `${usage}.${output}_details.reasoning_tokens`),
    inputIncludesCache: true,
  };
}
