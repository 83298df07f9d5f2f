import { Module } from '@nestjs/common';
import { HandoffModule } from '#handoff';
import { KnowledgeModule } from '#knowledge';
import { LlmModule } from '#llm';
import { TenancyModule } from '#tenancy';
import { AnswerEngineService } from './answer-engine.service.js';
import { TenantAnswerSettings } from './tenant-answer-settings.service.js';

@Module({
  imports: [KnowledgeModule, TenancyModule, LlmModule, HandoffModule],
  providers: [AnswerEngineService, TenantAnswerSettings],
  exports: [AnswerEngineService, LlmModule, HandoffModule],
})
export class AnswerEngineModule {}
