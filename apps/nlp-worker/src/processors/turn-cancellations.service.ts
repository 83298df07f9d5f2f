import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { TurnCancel } from '#queue';
import { RedisService } from '#redis';

/**
 * Abort signals for the turns this worker is answering. A gateway whose client went away
 * publishes the turn id; the matching signal aborts, and an LLM call in flight stops.
 */
@Injectable()
export class TurnCancellations implements OnModuleInit {
  private readonly active = new Map<string, AbortController>();

  constructor(private readonly redis: RedisService) {}

  async onModuleInit(): Promise<void> {
    const channel = this.redis.key('turn-cancel');
    const sub = this.redis.subscriber;
    sub.on('message', (from: string, message: string) => {
      if (from !== channel) return;
      try {
        this.active.get((JSON.parse(message) as TurnCancel).turnId)?.abort();
      } catch {
        /* a malformed message cancels nothing */
      }
    });
    await sub.subscribe(channel);
  }

  /** A signal for the turn that also aborts at the deadline; call `done` when the turn ends. */
  track(turnId: string, deadlineAt: number, now: number): { signal: AbortSignal; done: () => void } {
    const controller = new AbortController();
    this.active.set(turnId, controller);
    const timer = setTimeout(() => controller.abort(), Math.max(0, deadlineAt - now));
    return {
      signal: controller.signal,
      done: () => {
        clearTimeout(timer);
        this.active.delete(turnId);
      },
    };
  }
}
