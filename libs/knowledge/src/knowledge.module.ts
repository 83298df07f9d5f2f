import { Module } from '@nestjs/common';
import { KnowledgeRepository } from './knowledge.repository.js';
import { KnowledgeService } from './knowledge.service.js';

@Module({ providers: [KnowledgeRepository, KnowledgeService], exports: [KnowledgeRepository, KnowledgeService] })
export class KnowledgeModule {}
