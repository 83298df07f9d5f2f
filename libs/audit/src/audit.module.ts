import { Module } from '@nestjs/common';
import { AuditBatcher } from './audit-batcher.service.js';
import { AuditRecorder } from './audit-recorder.service.js';
import { AuditRepository } from './audit.repository.js';

@Module({ providers: [AuditRecorder, AuditRepository, AuditBatcher], exports: [AuditRecorder, AuditRepository, AuditBatcher] })
export class AuditModule {}
