import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { LOGGER, type Logger } from '#observability';
import { RedisService } from './redis.service.js';

/** Configuration events every process must hear about (cache invalidation). */
export type FengdaEvent =
  | { type: 'tenant.changed'; tenantId: string }
  | { type: 'apikey.revoked'; tenantId: string; keyId: string }
  | { type: 'kb.changed'; tenantId: string };

type Handler = (event: FengdaEvent) => void;

/**
 * Redis pub/sub fan-out of configuration events. Delivery is at-most-once, so every cache
 * that listens also expires on its own; the event only makes a change visible sooner.
 */
@Injectable()
export class EventBusService implements OnModuleDestroy {
  private readonly handlers = new Set<Handler>();
  private subscribed?: Promise<unknown>;
  private readonly channel: string;

  constructor(
    private readonly redis: RedisService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.channel = redis.key('events');
  }

  async publish(event: FengdaEvent): Promise<void> {
    await this.redis.client.publish(this.channel, JSON.stringify(event));
  }

  /** Registers a handler; resolves once the subscription is live. */
  async subscribe(handler: Handler): Promise<void> {
    this.handlers.add(handler);
    if (!this.subscribed) {
      const sub = this.redis.subscriber;
      sub.on('message', (channel: string, message: string) => {
        if (channel !== this.channel) return;
        let event: FengdaEvent;
        try {
          event = JSON.parse(message) as FengdaEvent;
        } catch {
          this.logger.warn({ channel }, 'ignored malformed event');
          return;
        }
        for (const h of this.handlers) h(event);
      });
      this.subscribed = sub.subscribe(this.channel);
    }
    await this.subscribed;
  }

  onModuleDestroy(): void {
    this.handlers.clear();
  }
}
