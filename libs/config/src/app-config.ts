import { readAuthConfig, type AuthConfig } from './auth.config.js';
import { readDatabaseConfig, type DatabaseConfig } from './database.config.js';
import { EnvReader } from './env-reader.js';
import { readHandoffConfig, type HandoffConfig } from './handoff.config.js';
import { readLlmConfig, type LlmConfig } from './llm.config.js';
import { readRateLimitEnvConfig, type RateLimitEnvConfig } from './rate-limit.config.js';
import { readRealtimeConfig, type RealtimeConfig } from './realtime.config.js';
import { readRedisConfig, type RedisConfig } from './redis.config.js';
import { readRuntimeConfig, type RuntimeConfig } from './runtime.config.js';
import { readSecretsConfig, type SecretsConfig } from './secrets.config.js';

/**
 * The whole configuration, validated once at boot. Injected as a class so services ask for
 * `AppConfig` and read typed, nested values instead of touching process.env.
 */
export class AppConfig {
  constructor(
    readonly runtime: RuntimeConfig,
    readonly database: DatabaseConfig,
    readonly redis: RedisConfig,
    readonly auth: AuthConfig,
    readonly realtime: RealtimeConfig,
    readonly secrets: SecretsConfig,
    readonly llm: LlmConfig,
    readonly handoff: HandoffConfig,
    readonly rateLimit: RateLimitEnvConfig,
  ) {}

  /** Reads and validates the environment; throws listing every problem. */
  static fromEnv(env: Record<string, string | undefined> = process.env): AppConfig {
    const reader = new EnvReader(env);
    const runtime = readRuntimeConfig(reader);
    const config = new AppConfig(
      runtime,
      readDatabaseConfig(reader),
      readRedisConfig(reader),
      readAuthConfig(reader, runtime.production),
      readRealtimeConfig(reader),
      readSecretsConfig(reader, runtime.production),
      readLlmConfig(reader),
      readHandoffConfig(reader),
      readRateLimitEnvConfig(reader),
    );
    reader.assertValid();
    return config;
  }
}
