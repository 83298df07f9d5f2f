import { describe, expect, it } from '@jest/globals';
import { LlmCallError } from './llm-call.error.js';
import { parseCompletionBody, parseCompletionEvent } from './openai-stream.js';
import { SseParser } from './sse-parser.js';

const chunk = (content: string, finish: string | null = null): string =>
  JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content }, finish_reason: finish }] });

/** Feeds `text` split at every position in `cuts`, returns all events. */
const feed = (text: string, cuts: number[]): string[] => {
  const parser = new SseParser();
  const events: string[] = [];
  let from = 0;
  for (const cut of [...cuts, text.length]) {
    events.push(...parser.push(text.slice(from, cut)));
    from = cut;
  }
  return [...events, ...parser.end()];
};

describe('SseParser', () => {
  const stream = `data: ${chunk('你好')}\n\ndata: ${chunk(',世界')}\n\n: keep-alive\n\ndata: [DONE]\n\n`;

  it('yields each event’s data, skipping comments', () => {
    expect(feed(stream, [])).toEqual([chunk('你好'), chunk(',世界'), '[DONE]']);
  });

  it('is indifferent to where the chunks split (lines, events, CRLF pairs)', () => {
    const crlf = stream.replace(/\n/g, '\r\n');
    const expected = [chunk('你好'), chunk(',世界'), '[DONE]'];
    for (const text of [stream, crlf]) {
      for (let cut = 1; cut < text.length; cut += 7) expect(feed(text, [cut])).toEqual(expected);
      expect(feed(text, Array.from({ length: text.length - 1 }, (_, i) => i + 1))).toEqual(expected); // one char at a time
    }
  });

  it('accepts bare CR line ends, "data:" without a space, multi-line data and other fields', () => {
    expect(feed('event: message\rid: 7\rdata:a\rdata: b\r\rretry: 10\r\r', [])).toEqual(['a\nb']);
  });

  it('dispatches a last event that has no blank line after it', () => {
    expect(feed('data: tail', [])).toEqual(['tail']);
    expect(feed('data: x\n', [])).toEqual(['x']);
  });

  it('ignores empty events', () => {
    expect(feed('\n\n\n: c\n\n', [])).toEqual([]);
  });
});

describe('parseCompletionEvent', () => {
  it('reads content deltas, finish and [DONE]', () => {
    expect(parseCompletionEvent(chunk('hi'))).toEqual({ done: false, content: 'hi', finished: false });
    expect(parseCompletionEvent(chunk('', 'stop'))).toEqual({ done: false, content: '', finished: true });
    expect(parseCompletionEvent('[DONE]')).toEqual({ done: true });
    // role-only first chunk and usage-only last chunk carry no text
    expect(parseCompletionEvent(JSON.stringify({ choices: [{ delta: { role: 'assistant' } }] }))).toEqual({ done: false, content: '', finished: false });
    expect(parseCompletionEvent(JSON.stringify({ choices: [], usage: { total_tokens: 3 } }))).toEqual({ done: false, content: '', finished: false });
  });

  it('treats garbage and in-stream errors as malformed', () => {
    for (const data of ['{not json', '42', JSON.stringify({ error: { message: 'overloaded' } }), JSON.stringify({ choices: ['x'] })]) {
      expect(() => parseCompletionEvent(data)).toThrow(LlmCallError);
    }
  });
});

describe('parseCompletionBody', () => {
  it('reads a non-streamed completion', () => {
    expect(parseCompletionBody({ choices: [{ message: { role: 'assistant', content: 'whole' } }] })).toBe('whole');
    expect(() => parseCompletionBody({ choices: [] })).toThrow(/choices\[0\]/);
    expect(() => parseCompletionBody('x')).toThrow(LlmCallError);
  });
});

describe('LlmCallError.retryable', () => {
  it('retries network errors, 5xx, 408 and 429 only', () => {
    expect(new LlmCallError('network', 'x').retryable).toBe(true);
    for (const status of [500, 502, 503, 408, 429]) expect(new LlmCallError('http', 'x', status).retryable).toBe(true);
    for (const status of [400, 401, 403, 404, 422]) expect(new LlmCallError('http', 'x', status).retryable).toBe(false);
    expect(new LlmCallError('malformed', 'x').retryable).toBe(false);
    expect(new LlmCallError('aborted', 'x').retryable).toBe(false);
  });
});
