import { Injectable } from '@nestjs/common';
import type { ChatMessage } from './grounded-prompt.js';
import { HttpDispatchers } from './http-dispatchers.service.js';
import { LlmCallError } from './llm-call.error.js';
import type { LlmSettings } from './llm-config.js';
import { parseCompletionBody, parseCompletionEvent } from './openai-stream.js';
import { SseParser } from './sse-parser.js';

/** A provider ready to call: settings plus the decrypted key (held in memory only). */
export interface LlmProvider extends LlmSettings {
  apiKey: string | null;
}

export interface CompletionOptions {
  /** Aborts the HTTP call (attempt timeout, deadline, client gone). */
  signal: AbortSignal;
  /** Receives each piece of generated text, in order. */
  onDelta?: (text: string) => void;
}

// A streamed answer ends with [DONE]; a server that holds the body open after it gets this long.
const DRAIN_AFTER_DONE_MS = 100;
const MAX_ANSWER_CHARS = 100_000;

/**
 * One OpenAI-compatible `POST {baseUrl}/chat/completions` with `stream: true`, over the shared
 * pool of the provider's origin. Deltas reach `onDelta` as they arrive. Errors are
 * `LlmCallError`s that name the status or failure, never the key, the prompt or the body.
 */
@Injectable()
export class ChatCompletionClient {
  constructor(private readonly dispatchers: HttpDispatchers) {}

  /** The whole answer text, once the stream finished. */
  async complete(provider: LlmProvider, messages: ChatMessage[], options: CompletionOptions): Promise<string> {
    const { signal } = options;
    const url = `${provider.baseUrl}/chat/completions`;
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream' };
    if (provider.apiKey) headers.authorization = `Bearer ${provider.apiKey}`;
    const body = JSON.stringify({ model: provider.model, messages, temperature: provider.temperature, max_tokens: provider.maxTokens, stream: true });
    const dispatcher = this.dispatchers.for(url);
    let response: Response;
    try {
      response = await fetch(url, { method: 'POST', headers, body, signal, ...(dispatcher ? { dispatcher } : {}) } as RequestInit);
    } catch (error) {
      if (signal.aborted) throw new LlmCallError('aborted', 'call aborted');
      throw new LlmCallError('network', `provider unreachable (${causeOf(error)})`);
    }
    if (!response.ok) {
      // The body is never read: provider error bodies may echo parts of the key.
      await response.body?.cancel().catch(() => undefined);
      throw new LlmCallError('http', `provider answered HTTP ${response.status}`, response.status);
    }
    const type = response.headers.get('content-type') ?? '';
    if (!type.includes('text/event-stream')) return this.readWhole(response, options);
    return this.readStream(response, options);
  }

  /** A provider that ignored `stream: true`: one JSON completion, delivered as one delta. */
  private async readWhole(response: Response, { signal, onDelta }: CompletionOptions): Promise<string> {
    let parsed: unknown;
    try {
      parsed = await response.json();
    } catch {
      if (signal.aborted) throw new LlmCallError('aborted', 'call aborted');
      throw new LlmCallError('malformed', 'completion body is not JSON');
    }
    const text = checked(parseCompletionBody(parsed));
    onDelta?.(text);
    return text;
  }

  private async readStream(response: Response, { signal, onDelta }: CompletionOptions): Promise<string> {
    if (!response.body) throw new LlmCallError('malformed', 'empty stream');
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    const parser = new SseParser();
    let text = '';
    let finished = false;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        const events = done ? [...parser.push(decoder.decode()), ...parser.end()] : parser.push(decoder.decode(value, { stream: true }));
        for (const data of events) {
          const event = parseCompletionEvent(data);
          if (event.done) {
            await drain(reader);
            return checked(text);
          }
          if (event.content) {
            text += event.content;
            if (text.length > MAX_ANSWER_CHARS) throw new LlmCallError('malformed', 'answer too long');
            onDelta?.(event.content);
          }
          finished ||= event.finished;
        }
        if (done) break;
      }
    } catch (error) {
      if (error instanceof LlmCallError) throw error;
      if (signal.aborted) throw new LlmCallError('aborted', 'call aborted');
      throw new LlmCallError('network', `stream interrupted (${causeOf(error)})`);
    }
    // Some compatible servers end with finish_reason but no [DONE]; an answer cut off is a failure.
    if (!finished) throw new LlmCallError('malformed', 'stream ended before the answer finished');
    return checked(text);
  }
}

const checked = (text: string): string => {
  if (!text.trim()) throw new LlmCallError('malformed', 'empty answer');
  return text;
};

/** Reads the body to its end so the connection goes back to the pool; gives up quickly. */
const drain = async (reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> => {
  let timer: NodeJS.Timeout | undefined;
  const toEnd = (async () => {
    for (;;) if ((await reader.read()).done) return true;
  })().catch(() => true);
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), DRAIN_AFTER_DONE_MS)));
  const ended = await Promise.race([toEnd, late]);
  clearTimeout(timer);
  if (!ended) await reader.cancel().catch(() => undefined);
};

const causeOf = (error: unknown): string => {
  const cause = (error as { cause?: { code?: unknown } }).cause;
  return typeof cause?.code === 'string' ? cause.code : (error as Error).name || 'error';
};
