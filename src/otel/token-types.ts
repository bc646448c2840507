import type { Usage } from '../usage/types';

/** The values of `gen_ai.token.type` on `aibridge.tokens`: a partition, so a plain sum is the total. */
export const TOKEN_TYPES = ['input', 'cache_read', 'cache_creation', 'output'] as const;
export type TokenType = (typeof TOKEN_TYPES)[number];

/**
 * The usage split into the partition, in `TOKEN_TYPES` order: input without what was read from or
 * written to the cache, then each of those, then all output.
 */
export function tokensByType(usage: Usage): readonly [number, number, number, number] {
  const cacheRead = usage.cacheReadInputTokens ?? 0;
  const cacheCreation = usage.cacheCreationInputTokens ?? 0;
  return [usage.inputTokens - cacheRead - cacheCreation, cacheRead, cacheCreation, usage.outputTokens];
}
