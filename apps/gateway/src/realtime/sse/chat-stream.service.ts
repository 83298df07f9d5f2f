import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AppConfig } from '#config';
import { ChatTurnService, type ChatTurnInput } from '#dialogue';
import { LOGGER, type Logger } from '#observability';
import type { TenantSnapshot } from '#tenancy';
import { runStreamingTurn } from '../streaming-turn.js';
import { SseStream } from './sse-stream.js';
import { reportStreamFailure } from './stream-failure.js';

/** `POST /v1/chat/stream`: one turn as server-sent events `delta`… then `answer` (or `error`). */
@Injectable()
export class ChatStreamService {
  constructor(
    private readonly turns: ChatTurnService,
    private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async stream(tenant: TenantSnapshot, userId: string, input: ChatTurnInput, requestId: string, reply: FastifyReply): Promise<void> {
    const sse = new SseStream(reply, this.config.realtime.sseKeepAliveMs);
    try {
      const result = await runStreamingTurn(this.turns, tenant, userId, input, requestId, {
        delta: (text) => sse.send('delta', { text }),
        signal: sse.signal,
      });
      sse.send('answer', result);
      sse.end();
    } catch (error) {
      reportStreamFailure(sse, error, this.logger, (body) => sse.send('error', body));
    }
  }
}
