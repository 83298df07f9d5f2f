import { Body, Controller, Headers, Post, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiHeader, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiKeyGuard } from '../../auth/api-key.guard.js';
import { ApiKeyPrincipal, RequestId } from '../../auth/principal.decorator.js';
import type { Principal } from '../../auth/principal.js';
import { ApiRoute } from '../../http/api-route.decorator.js';
import { ChatCompletionRequestDto, ChatCompletionResponseDto } from './chat-completions.dto.js';
import { ChatCompletionsService } from './chat-completions.service.js';
import { OpenAiErrorFilter } from './openai-error.filter.js';

@ApiTags('openai')
@Controller('v1/chat')
@UseFilters(OpenAiErrorFilter)
export class ChatCompletionsController {
  constructor(private readonly completions: ChatCompletionsService) {}

  @Post('completions')
  @UseGuards(ApiKeyGuard)
  @ApiProduces('application/json', 'text/event-stream')
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Same as `clientMsgId`: a retry with the same key is answered once.' })
  @ApiRoute({
    summary: 'OpenAI-compatible chat completion',
    description:
      'Point an OpenAI SDK at `<gateway>/v1` with the tenant API key. Runs an ordinary Fengda turn for the end user named by `user` (history, knowledge base, ' +
      'fallback, audit): the last `user` message is the question. With `stream: true`, `chat.completion.chunk` events end with `data: [DONE]`. ' +
      'Errors carry both Fengda\'s `{statusCode, code, message}` and OpenAI\'s `error` object.',
    auth: 'apiKey',
    type: ChatCompletionResponseDto,
    errors: [400, 403, 409, 413, 503],
  })
  complete(
    @ApiKeyPrincipal() principal: Extract<Principal, { kind: 'apiKey' }>,
    @Body() dto: ChatCompletionRequestDto,
    @RequestId() requestId: string,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    return this.completions.complete(principal.tenant, dto, requestId, idempotencyKey, reply);
  }
}
