import { Module } from '@nestjs/common';
import { AuditModule } from '#audit';
import { SessionsModule } from '#sessions';
import { AdmissionService } from './admission.service.js';
import { AnswerDispatcher } from './answer-dispatcher.service.js';
import { ChatTurnService } from './chat-turn.service.js';
import { ConversationService } from './conversation.service.js';
import { ReplyBusService } from './reply-bus.service.js';

@Module({
  imports: [SessionsModule, AuditModule],
  providers: [AnswerDispatcher, ReplyBusService, ChatTurnService, ConversationService, AdmissionService],
  exports: [ChatTurnService, ConversationService, ReplyBusService, AdmissionService],
})
export class DialogueModule {}
