import { Module } from '@nestjs/common';
import { AuditBatcher } from './audit-batcher.service.js';
import { AuditQueryService } from './audit-query.service.js';
import { AuditRecorder } from './audit-recorder.service.js';
import { AuditRetentionService } from './audit-retention.service.js';
import { AuditRepository } from './audit.repository.js';

@Module({
  providers: [AuditRecorder, AuditRepository, AuditBatcher, AuditQueryService, AuditRetentionService],
  exports: [AuditRecorder, AuditRepository, AuditBatcher, AuditQueryService, AuditRetentionService],
})
export class AuditModule {}
