import { Body, Controller, Post, Res, UseGuards } from '@nestjs/common';
import { ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { EndUserGuard } from '../../auth/end-user.guard.js';
import { EndUserPrincipal, RequestId } from '../../auth/principal.decorator.js';
import type { Principal } from '../../auth/principal.js';
import { ChatRequestDto } from '../../dto/chat.dto.js';
import { ApiRoute } from '../../http/api-route.decorator.js';
import { ChatStreamService } from './chat-stream.service.js';

@ApiTags('chat')
@Controller('v1/chat')
export class ChatStreamController {
  constructor(private readonly streams: ChatStreamService) {}

  @Post('stream')
  @UseGuards(EndUserGuard)
  @ApiProduces('text/event-stream')
  @ApiRoute({
    summary: 'One chat turn, streamed as server-sent events',
    description:
      'Same body and answer as `POST /v1/chat`, as `text/event-stream`: one or more `delta` events (`{"text":"…"}`, in order), then one `answer` event ' +
      '(`{answer, source, confidence, seq, entryId?}`; its `answer` is authoritative: replace the streamed text with it). A failure after the stream started ' +
      'arrives as an `error` event (`{statusCode, code, message}`); before that, as a normal HTTP error. `: ping` comments keep a quiet stream open. ' +
      'Closing the connection cancels the turn: it is not stored, and the same `clientMsgId` may be sent again.',
    auth: 'endUser',
    okDescription: 'text/event-stream of `delta` events, then `answer`',
    errors: [400, 403, 404, 409, 413, 503],
  })
  stream(
    @EndUserPrincipal() principal: Extract<Principal, { kind: 'endUser' }>,
    @Body() dto: ChatRequestDto,
    @RequestId() requestId: string,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    return this.streams.stream(principal.tenant, principal.claims.userId, { ...dto, tokenIssuedAt: principal.claims.issuedAt }, requestId, reply);
  }
}
