import { LlmCallError } from './llm-call.error.js';

/** What one streamed `data:` payload of a chat completion carries. */
export type CompletionEvent = { done: true } | { done: false; content: string; finished: boolean };

/**
 * Reads one SSE data payload of an OpenAI-compatible stream: `[DONE]`, or a
 * `chat.completion.chunk` whose `choices[0].delta.content` is the next piece of text. An
 * in-stream `{"error": …}` or anything unparseable is a malformed response.
 */
export const parseCompletionEvent = (data: string): CompletionEvent => {
  if (data.trim() === '[DONE]') return { done: true };
  let chunk: unknown;
  try {
    chunk = JSON.parse(data);
  } catch {
    throw new LlmCallError('malformed', 'stream event is not JSON');
  }
  if (!isObject(chunk)) throw new LlmCallError('malformed', 'stream event is not an object');
  if (chunk.error !== undefined) throw new LlmCallError('malformed', 'provider reported an error in the stream');
  const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
  if (choice === undefined) return { done: false, content: '', finished: false }; // e.g. a usage-only chunk
  if (!isObject(choice)) throw new LlmCallError('malformed', 'stream choice is not an object');
  const delta = isObject(choice.delta) ? choice.delta : {};
  const content = typeof delta.content === 'string' ? delta.content : '';
  return { done: false, content, finished: typeof choice.finish_reason === 'string' };
};

/** The answer text of a non-streamed `chat.completion` (a provider that ignored `stream: true`). */
export const parseCompletionBody = (body: unknown): string => {
  const choice = isObject(body) && Array.isArray(body.choices) ? body.choices[0] : undefined;
  const message = isObject(choice) && isObject(choice.message) ? choice.message : undefined;
  if (!message || typeof message.content !== 'string') throw new LlmCallError('malformed', 'completion has no choices[0].message.content');
  return message.content;
};

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
