import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { LOGGER, type Logger } from '#observability';
import type { AnswerReply, ReplyMessage, TurnCancel } from '#queue';
import { RedisService } from '#redis';

interface Waiter {
  resolve: (reply: AnswerReply) => void;
  onDelta?: (text: string) => void;
}

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
  private readonly cancelChannel: string;
  private readonly waiting = new Map<string, Waiter>();

  constructor(
    private readonly redis: RedisService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.channel = redis.key('reply', this.instanceId);
    this.cancelChannel = redis.key('turn-cancel');
  }

  async onModuleInit(): Promise<void> {
    const sub = this.redis.subscriber;
    sub.on('message', (channel: string, message: string) => {
      if (channel === this.channel) this.dispatch(message);
    });
    await sub.subscribe(this.channel);
  }

  /**
   * Registers interest in a turn's reply; `onDelta` receives streamed text in order. Call
   * `cancel` when giving up, so a late reply is dropped.
   */
  expect(turnId: string, onDelta?: (text: string) => void): { reply: Promise<AnswerReply>; cancel: () => void } {
    let cancel = (): void => undefined;
    const reply = new Promise<AnswerReply>((resolve) => {
      this.waiting.set(turnId, { resolve, onDelta });
      cancel = () => this.waiting.delete(turnId);
    });
    return { reply, cancel };
  }

  /** Tells the workers to stop working on a turn nobody waits for any more. */
  async cancelTurn(turnId: string): Promise<void> {
    const message: TurnCancel = { turnId };
    await this.redis.client.publish(this.cancelChannel, JSON.stringify(message));
  }

  get pending(): number {
    return this.waiting.size;
  }

  private dispatch(raw: string): void {
    let parsed: ReplyMessage | ReplyMessage[];
    try {
      parsed = JSON.parse(raw) as ReplyMessage | ReplyMessage[];
    } catch {
      this.logger.warn('ignored malformed reply');
      return;
    }
    if (Array.isArray(parsed)) for (const message of parsed) this.deliver(message);
    else this.deliver(parsed);
  }

  private deliver(message: ReplyMessage): void {
    // No waiter means the deadline already answered the fallback: the late reply is dropped.
    const waiter = this.waiting.get(message.turnId);
    if (!waiter) return;
    if (message.kind === 'delta') {
      waiter.onDelta?.(message.text);
      return;
    }
    this.waiting.delete(message.turnId);
    const { kind: _kind, ...reply } = message;
    waiter.resolve(reply);
  }
}
