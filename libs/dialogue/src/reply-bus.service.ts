import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { LOGGER, type Logger } from '#observability';
import type { AnswerReply } from '#queue';
import { RedisService } from '#redis';

/**
 * Gets each answer back to the gateway instance that is holding the request. Every instance
 * subscribes to its own channel and names it in the job; the worker publishes there. Unlike
 * BullMQ QueueEvents, no instance reads the others' replies, so adding gateways adds no
 * per-reply work to the existing ones.
 */
@Injectable()
export class ReplyBusService implements OnModuleInit {
  readonly instanceId = randomUUID();
  readonly channel: string;
  private readonly waiting = new Map<string, (reply: AnswerReply) => void>();

  constructor(
    private readonly redis: RedisService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.channel = redis.key('reply', this.instanceId);
  }

  async onModuleInit(): Promise<void> {
    const sub = this.redis.subscriber;
    sub.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return;
      let reply: AnswerReply;
      try {
        reply = JSON.parse(message) as AnswerReply;
      } catch {
        this.logger.warn('ignored malformed reply');
        return;
      }
      // No waiter means the deadline already answered the fallback: the late reply is dropped.
      const deliver = this.waiting.get(reply.turnId);
      if (deliver) {
        this.waiting.delete(reply.turnId);
        deliver(reply);
      }
    });
    await sub.subscribe(this.channel);
  }

  /** Registers interest in a turn's reply. Call `cancel` when giving up so a late reply is dropped. */
  expect(turnId: string): { reply: Promise<AnswerReply>; cancel: () => void } {
    let cancel = (): void => undefined;
    const reply = new Promise<AnswerReply>((resolve) => {
      this.waiting.set(turnId, resolve);
      cancel = () => this.waiting.delete(turnId);
    });
    return { reply, cancel };
  }

  get pending(): number {
    return this.waiting.size;
  }
}
