import { Module } from '@nestjs/common';
import { KnowledgeModule } from '#knowledge';
import { AnswerEngineService } from './answer-engine.service.js';

@Module({ imports: [KnowledgeModule], providers: [AnswerEngineService], exports: [AnswerEngineService] })
export class AnswerEngineModule {}
