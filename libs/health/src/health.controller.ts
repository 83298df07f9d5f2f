import { InjectQueue } from '@nestjs/bullmq';
import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { Queue } from 'bullmq';
import type { FastifyReply } from 'fastify';
import { QueueName } from '#queue';
import { RedisService } from '#redis';
import { DrainState } from './drain-state.service.js';

const CHECK_TIMEOUT_MS = 1_000;

/**
 * Kubernetes probes. Liveness is the process only (a dead dependency must not restart every
 * pod); readiness checks Postgres, Redis and the queue, and is false while draining.
 */
@ApiExcludeController()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly redis: RedisService,
    @InjectQueue(QueueName.Answer) private readonly answerQueue: Queue,
    private readonly drain: DrainState,
  ) {}

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<unknown> {
    try {
      return await this.health.check([
        () => (this.drain.draining ? this.indicators.check('drain').down({ draining: true }) : this.indicators.check('drain').up()),
        () => this.db.pingCheck('postgres').withTimeout(CHECK_TIMEOUT_MS),
        () => this.indicators.check('redis').attempt(async () => { await this.redis.ping(); }).withTimeout(CHECK_TIMEOUT_MS),
        () =>
          this.indicators
            .check('queue')
            .attempt(async () => ({ waiting: await this.answerQueue.getWaitingCount() }))
            .withTimeout(CHECK_TIMEOUT_MS),
      ]);
    } catch (error) {
      if (error instanceof ServiceUnavailableException) {
        void reply.status(503);
        return error.getResponse();
      }
      throw error;
    }
  }
}
