import { Module } from '@nestjs/common';
import { AuditModule } from '#audit';
import { KbChangeNotifier } from './kb-change-notifier.service.js';
import { KbTransferService } from './kb-transfer.service.js';
import { KnowledgeRepository } from './knowledge.repository.js';
import { KnowledgeService } from './knowledge.service.js';

@Module({
  imports: [AuditModule],
  providers: [KnowledgeRepository, KnowledgeService, KbTransferService, KbChangeNotifier],
  exports: [KnowledgeRepository, KnowledgeService, KbTransferService],
})
export class KnowledgeModule {}
