import { Module, type DynamicModule } from '@nestjs/common';
import { AnswerEngineModule } from '#answer-engine';
import { LlmModule } from '#llm';
import { AuditModule } from '#audit';
import { CoreModule, type CoreOptions } from '#config';
import { DatabaseModule } from '#database';
import { HealthModule } from '#health';
import { MetricsModule } from '#metrics';
import { QueueModule } from '#queue';
import { RedisModule } from '#redis';
import { AnswerTurnProcessor } from './processors/answer-turn.processor.js';
import { AuditRetentionProcessor } from './processors/audit-retention.processor.js';
import { NotifyHandoffProcessor } from './processors/notify-handoff.processor.js';
import { RecordAuditProcessor } from './processors/record-audit.processor.js';
import { TurnCancellations } from './processors/turn-cancellations.service.js';
import { WorkerMetricsService } from './worker-metrics.service.js';

/** The worker: queue consumers plus a small HTTP port for probes. */
@Module({})
export class WorkerModule {
  static forRoot(core: CoreOptions): DynamicModule {
    return {
      module: WorkerModule,
      imports: [CoreModule.forRoot(core), RedisModule, DatabaseModule, QueueModule, HealthModule, MetricsModule, AnswerEngineModule, AuditModule, LlmModule],
      providers: [AnswerTurnProcessor, RecordAuditProcessor, AuditRetentionProcessor, NotifyHandoffProcessor, TurnCancellations, WorkerMetricsService],
    };
  }
}
