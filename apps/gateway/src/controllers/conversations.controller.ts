import { Controller, Delete, Get, Param, UseGuards } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ConversationService } from '#dialogue';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { ApiKeyPrincipal } from '../auth/principal.decorator.js';
import type { Principal } from '../auth/principal.js';
import { ConversationErasedResponseDto, ConversationResponseDto } from '../dto/chat.dto.js';
import { UserIdParamDto } from '../dto/params.dto.js';
import { ApiRoute } from '../http/api-route.decorator.js';

type ApiKeyCaller = Extract<Principal, { kind: 'apiKey' }>;

@ApiTags('conversations')
@UseGuards(ApiKeyGuard)
@Controller('v1/conversations')
export class ConversationsController {
  constructor(private readonly conversations: ConversationService) {}

  @Get(':userId')
  @ApiRoute({ summary: "An end user's conversation, oldest turn first", auth: 'apiKey', type: ConversationResponseDto, errors: [400, 403] })
  get(@ApiKeyPrincipal() caller: ApiKeyCaller, @Param() { userId }: UserIdParamDto): Promise<ConversationResponseDto> {
    return this.conversations.get(caller.tenant.id, userId);
  }

  @Delete(':userId')
  @ApiRoute({ summary: "Erase an end user's conversation (right to erasure)", auth: 'apiKey', type: ConversationErasedResponseDto, errors: [400, 403] })
  erase(@ApiKeyPrincipal() caller: ApiKeyCaller, @Param() { userId }: UserIdParamDto): Promise<ConversationErasedResponseDto> {
    return this.conversations.erase(caller.tenant.id, userId);
  }
}
