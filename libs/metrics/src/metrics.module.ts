import { Global, Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller.js';
import { MetricsService } from './metrics.service.js';
import { QueueMetricsService } from './queue-metrics.service.js';

@Global()
@Module({ controllers: [MetricsController], providers: [MetricsService, QueueMetricsService], exports: [MetricsService] })
export class MetricsModule {}
