import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';
import { AppConfig } from '#config';
import { LOGGER, RepeatThrottle, type Logger } from '#observability';

/** A connection's same error is logged at most once per this long (with how often it recurred). */
const REPEAT_WINDOW_MS = 5_000;

/**
 * The process's Redis connections, created once and reused (the design's memory leak was a
 * client created per request). `client` serves commands; `subscriber` is the one connection
 * in subscribe mode; `duplicate()` hands out extra connections that are closed with the app.
 */
@Injectable()
export class RedisService implements OnModuleInit, OnApplicationShutdown {
  readonly client: Redis;
  readonly prefix: string;
  private subscriberConnection?: Redis;
  private readonly extra: Redis[] = [];

  constructor(
    config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.prefix = config.redis.prefix;
    this.client = this.connect(config.redis.url, 'command');
  }

  /** Lazily opened so processes that never subscribe keep one connection. */
  get subscriber(): Redis {
    if (!this.subscriberConnection) {
      // Subscriptions are made at boot, possibly before the connection is up: they may queue.
      this.subscriberConnection = this.client.duplicate({ connectionName: 'fengda-sub', enableOfflineQueue: true, commandTimeout: undefined });
      this.logErrors(this.subscriberConnection);
    }
    return this.subscriberConnection;
  }

  /** A new connection (for blocking commands such as BullMQ's), closed at shutdown. */
  duplicate(options: Partial<RedisOptions> = {}): Redis {
    const connection = this.client.duplicate(options);
    this.logErrors(connection);
    this.extra.push(connection);
    return connection;
  }

  /** Prefixes a key with this deployment's namespace. */
  key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }

  /**
   * A key of one end user's: all of them (history, sequence, remembered replies, revocation, rate bucket) share the
   * hash tag `{t:<tenant>:u:<user>}`, so one script can touch them together, on Redis Cluster too.
   */
  userKey(tenantId: string, userId: string, ...parts: string[]): string {
    return this.key(`{t:${tenantId}:u:${userId}}`, ...parts);
  }

  /** Boot waits (a bounded time) for the connection, so the first requests don't meet a cold client. */
  async onModuleInit(): Promise<void> {
    await this.ready(5_000);
  }

  /**
   * Resolves once the command connection is ready, or after `timeoutMs` (then commands fail
   * fast until Redis answers, and readiness reports it): without an offline queue, commands
   * sent before the connection is up would fail.
   */
  async ready(timeoutMs = 5_000): Promise<boolean> {
    if (this.client.status === 'ready') return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.client.off('ready', onReady);
        this.logger.warn({ timeoutMs }, 'redis not ready yet; continuing');
        resolve(false);
      }, timeoutMs);
      const onReady = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      this.client.once('ready', onReady);
    });
  }

  async ping(): Promise<void> {
    await this.client.ping();
  }

  async onApplicationShutdown(): Promise<void> {
    const all = [this.client, ...this.extra, ...(this.subscriberConnection ? [this.subscriberConnection] : [])];
    await Promise.all(all.map((c) => c.quit().catch(() => c.disconnect())));
  }

  private connect(url: string, name: string): Redis {
    // RESP2 keeps reply shapes identical across Redis 6/7 and proxies; reads go to the primary.
    // Auto-pipelining coalesces the commands issued in one event-loop tick into one socket
    // write: under load that is many turns' commands per syscall.
    // While Redis is unreachable a command fails at once (no offline queue), and one that gets no
    // answer within a second fails too: turns answer 503 or the fallback during an outage instead
    // of hanging until Redis returns (found by the Redis case of `npm run test:faults`).
    const client = new Redis(url, {
      protocol: 2,
      connectionName: `fengda-${name}`,
      maxRetriesPerRequest: 2,
      enableAutoPipelining: true,
      enableOfflineQueue: false,
      commandTimeout: 1_000,
    });
    this.logErrors(client);
    return client;
  }

  /**
   * Connection errors go to the JSON log (without a listener ioredis prints them raw to stderr), each message at most
   * once per connection per REPEAT_WINDOW_MS: an outage repeats it on every reconnect attempt.
   */
  private logErrors(connection: Redis): void {
    const throttle = new RepeatThrottle(REPEAT_WINDOW_MS);
    connection.on('error', (error: Error) => {
      const repeats = throttle.admit(error.message);
      if (repeats) this.logger.warn({ connection: connection.options.connectionName, err: error.message, ...repeats }, 'redis connection error');
    });
  }
}
