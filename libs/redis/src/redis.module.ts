import { Global, Module } from '@nestjs/common';
import { EventBusService } from './event-bus.service.js';
import { RedisService } from './redis.service.js';

@Global()
@Module({ providers: [RedisService, EventBusService], exports: [RedisService, EventBusService] })
export class RedisModule {}
