import { readFileSync } from 'node:fs';
import type { Usage, UsageFormat } from '../../src/usage/types';

// Responses in the shapes real providers send (their extra keys, comments, `null` fields and
// inconsistent counts included), and the usage the contract reads from each.

export interface ProviderCase {
  readonly file: string;
  readonly format: UsageFormat;
  readonly model: string;
  readonly usage: Usage;
  readonly why: string;
}

export const CASES: readonly ProviderCase[] = [
  {
    file: 'openrouter-minimax-chat.sse',
    format: 'openai_chat_completions',
    model: 'minimax/minimax-m2',
    // 11 reasoning tokens of 10 output tokens: the wholes are kept, the reasoning left out.
    usage: { inputTokens: 2201, outputTokens: 10, cacheReadInputTokens: 0 },
    why: 'OpenRouter relaying Minimax, a stream with comments and a part larger than its whole',
  },
  {
    file: 'openrouter-chat.json',
    format: 'openai_chat_completions',
    model: 'minimax/minimax-m2',
    usage: { inputTokens: 2201, outputTokens: 10, cacheReadInputTokens: 0 },
    why: 'OpenRouter relaying Minimax, a JSON body with a part larger than its whole',
  },
  {
    file: 'groq-chat.sse',
    format: 'openai_chat_completions',
    model: 'llama-3.3-70b-versatile',
    usage: { inputTokens: 48, outputTokens: 12 },
    why: 'Groq, its usage under x_groq in the final chunk',
  },
  {
    file: 'deepseek-reasoner-chat.sse',
    format: 'openai_chat_completions',
    model: 'deepseek-reasoner',
    usage: { inputTokens: 1043, outputTokens: 58, cacheReadInputTokens: 1024, reasoningOutputTokens: 52 },
    why: 'DeepSeek, its usage in the chunk that finishes, with its own cache counts beside OpenAI’s',
  },
  {
    file: 'openai-chat-include-usage.sse',
    format: 'openai_chat_completions',
    model: 'gpt-4.1-mini-2025-04-14',
    usage: { inputTokens: 1536, outputTokens: 2, cacheReadInputTokens: 1280, reasoningOutputTokens: 0 },
    why: 'OpenAI with stream_options.include_usage, "usage":null and obfuscation on every chunk',
  },
  {
    file: 'anthropic-cache-ttl.sse',
    format: 'anthropic_messages',
    model: 'claude-sonnet-4-5-20250929',
    usage: { inputTokens: 32780, outputTokens: 7, cacheReadInputTokens: 30720, cacheCreationInputTokens: 2048 },
    why: 'Anthropic with a one-hour cache write and a message_delta repeating the input counts',
  },
];

/** A provider response's bytes, as the provider sends them. */
export function bytesOf(file: string): Buffer {
  return readFileSync(new URL(`fixtures/providers/${file}`, import.meta.url));
}
