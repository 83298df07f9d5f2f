import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Clock, DomainError, ErrorCode } from '#common';
import { AppConfig } from '#config';
import { ChatTurnService, type ChatTurnInput, type ChatTurnResult } from '#dialogue';
import { LOGGER, type Logger } from '#observability';
import type { TenantSnapshot } from '#tenancy';
import { SseStream } from '../sse/sse-stream.js';
import { reportStreamFailure } from '../sse/stream-failure.js';
import { runStreamingTurn } from '../streaming-turn.js';
import type { ChatCompletionMessage, ChatCompletionRequestDto, ChatCompletionResponseDto } from './chat-completions.dto.js';
import { openAiError } from './openai-error.js';
import { estimateTokens } from './token-estimate.js';

const DEFAULT_MODEL = 'fengda';
const MAX_QUERY = 2000;
const CLIENT_MSG_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * `POST /v1/chat/completions`: an ordinary Fengda turn (history per `user`, knowledge base,
 * fallback, audit) in the shape OpenAI clients expect, so an integrator can point an existing
 * OpenAI SDK at Fengda by changing `baseURL` and `apiKey`.
 */
@Injectable()
export class ChatCompletionsService {
  constructor(
    private readonly turns: ChatTurnService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async complete(tenant: TenantSnapshot, dto: ChatCompletionRequestDto, requestId: string, idempotencyKey: string | undefined, reply: FastifyReply): Promise<void> {
    const input: ChatTurnInput = { query: lastUserQuery(dto.messages) };
    // A retrying client (the SDK retries on 5xx and timeouts) sends the same Idempotency-Key: answered once.
    if (idempotencyKey !== undefined && CLIENT_MSG_ID.test(idempotencyKey)) input.clientMsgId = idempotencyKey;
    const meta = { id: `chatcmpl-${randomUUID().replaceAll('-', '')}`, created: Math.floor(this.clock.now() / 1000), model: dto.model ?? DEFAULT_MODEL };
    const promptTokens = dto.messages.reduce((sum, m) => sum + estimateTokens(textOf(m)), 0);
    // The API key authenticates the tenant's backend; admission is still per end user, as on every chat channel (the
    // turn's own: ChatTurnService), and refusals come before the stream starts, so they keep their HTTP status.

    if (!dto.stream) {
      const result = await this.turns.handle(tenant, dto.user, input, requestId);
      const body: ChatCompletionResponseDto = {
        ...meta,
        object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content: result.answer, refusal: null }, logprobs: null, finish_reason: 'stop' }],
        usage: usage(promptTokens, result.answer),
        fengda: fengdaOf(result),
      };
      await reply.status(200).header('content-type', 'application/json; charset=utf-8').send(body);
      return;
    }

    const sse = new SseStream(reply, this.config.realtime.sseKeepAliveMs);
    const chunk = (delta: Record<string, unknown>, finish: 'stop' | null, extra: Record<string, unknown> = {}): void =>
      sse.send(null, { ...meta, object: 'chat.completion.chunk', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...extra });
    let first = true;
    try {
      const result = await runStreamingTurn(this.turns, tenant, dto.user, input, requestId, {
        delta: (text) => {
          chunk(first ? { role: 'assistant', content: text } : { content: text }, null);
          first = false;
        },
        signal: sse.signal,
      });
      chunk({}, 'stop', { fengda: fengdaOf(result) });
      if (dto.stream_options?.include_usage) sse.send(null, { ...meta, object: 'chat.completion.chunk', choices: [], usage: usage(promptTokens, result.answer) });
      sse.send(null, '[DONE]');
      sse.end();
    } catch (error) {
      // OpenAI clients read `{"error": {...}}` in a data line as a failed stream.
      reportStreamFailure(sse, error, this.logger, (body) => sse.send(null, openAiError(body)));
    }
  }
}

const textOf = (message: ChatCompletionMessage): string => {
  const { content } = message;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part) => (part.type === 'text' && typeof part.text === 'string' ? part.text : '')).join('');
};

/** The question is the last user message; the same limits as `POST /v1/chat` apply to it. */
const lastUserQuery = (messages: ChatCompletionMessage[]): string => {
  const last = [...messages].reverse().find((m) => m.role === 'user');
  if (!last) throw new DomainError(ErrorCode.ValidationFailed, 'messages must contain a user message', { fields: { messages: ['no user message'] } });
  const query = textOf(last);
  if (!/\S/.test(query)) throw new DomainError(ErrorCode.ValidationFailed, 'the last user message has no text', { fields: { messages: ['blank user message'] } });
  if (query.length > MAX_QUERY) {
    throw new DomainError(ErrorCode.ValidationFailed, `the last user message must be shorter than or equal to ${MAX_QUERY} characters`, { fields: { messages: ['user message too long'] } });
  }
  return query;
};

const usage = (promptTokens: number, answer: string): { prompt_tokens: number; completion_tokens: number; total_tokens: number } => {
  const completion = estimateTokens(answer);
  return { prompt_tokens: promptTokens, completion_tokens: completion, total_tokens: promptTokens + completion };
};

const fengdaOf = (r: ChatTurnResult): ChatCompletionResponseDto['fengda'] => ({ source: r.source, confidence: r.confidence, seq: r.seq, ...(r.entryId ? { entryId: r.entryId } : {}) });
