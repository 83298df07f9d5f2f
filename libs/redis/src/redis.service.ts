import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';
import { AppConfig } from '#config';
import { LOGGER, type Logger } from '#observability';

/**
 * The process's Redis connections, created once and reused (the design's memory leak was a
 * client created per request). `client` serves commands; `subscriber` is the one connection
 * in subscribe mode; `duplicate()` hands out extra connections that are closed with the app.
 */
@Injectable()
export class RedisService implements OnApplicationShutdown {
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
    this.subscriberConnection ??= this.client.duplicate({ connectionName: 'fengda-sub' });
    return this.subscriberConnection;
  }

  /** A new connection (for blocking commands such as BullMQ's), closed at shutdown. */
  duplicate(options: Partial<RedisOptions> = {}): Redis {
    const connection = this.client.duplicate(options);
    this.extra.push(connection);
    return connection;
  }

  /** Prefixes a key with this deployment's namespace. */
  key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
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
    const client = new Redis(url, { protocol: 2, connectionName: `fengda-${name}`, maxRetriesPerRequest: 2, enableAutoPipelining: true });
    client.on('error', (error: Error) => this.logger.warn({ err: error.message }, 'redis connection error'));
    return client;
  }
}
