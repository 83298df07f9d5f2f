import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ChatTurnService } from '#dialogue';
import { EndUserGuard } from '../auth/end-user.guard.js';
import { EndUserPrincipal, RequestId } from '../auth/principal.decorator.js';
import type { Principal } from '../auth/principal.js';
import { ChatRequestDto, ChatResponseDto } from '../dto/chat.dto.js';
import { ApiRoute } from '../http/api-route.decorator.js';

@ApiTags('chat')
@Controller('v1/chat')
export class ChatController {
  constructor(private readonly turns: ChatTurnService) {}

  @Post()
  @HttpCode(200)
  @UseGuards(EndUserGuard)
  @ApiRoute({
    summary: 'One chat turn',
    description:
      "Answers from the tenant's knowledge base using the user's recent turns. If no answer is ready within the tenant's deadline, the tenant's fallback text is returned with `source: \"fallback\"`. Send a `clientMsgId` to make retries safe.",
    auth: 'endUser',
    type: ChatResponseDto,
    errors: [400, 403, 404, 409, 413, 503],
  })
  chat(@EndUserPrincipal() principal: Extract<Principal, { kind: 'endUser' }>, @Body() dto: ChatRequestDto, @RequestId() requestId: string): Promise<ChatResponseDto> {
    return this.turns.handle(principal.tenant, principal.claims.userId, { ...dto, tokenIssuedAt: principal.claims.issuedAt }, requestId);
  }
}
