import { Global, Module, type DynamicModule } from '@nestjs/common';
import { Clock, SystemClock } from '#common';
import { LOGGER, type Logger } from '#observability';
import { SecretBox } from '#secrets';
import { AppConfig } from './app-config.js';

export interface CoreOptions {
  config: AppConfig;
  logger: Logger;
  /** Tests move time; production uses the system clock. */
  clock?: Clock;
}

/**
 * Process-wide singletons every module may inject: configuration, logger, clock, and the
 * secret box that seals secrets at rest with the configured key.
 */
@Global()
@Module({})
export class CoreModule {
  static forRoot(options: CoreOptions): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: AppConfig, useValue: options.config },
        { provide: LOGGER, useValue: options.logger },
        { provide: Clock, useValue: options.clock ?? new SystemClock() },
        { provide: SecretBox, useFactory: () => secretBoxFor(options) },
      ],
      exports: [AppConfig, LOGGER, Clock, SecretBox],
    };
  }
}

const secretBoxFor = ({ config, logger }: CoreOptions): SecretBox => {
  const { secrets } = config;
  if (secrets.usingDevelopmentKey) {
    logger.warn('SECRETS_ENCRYPTION_KEY is not set: secrets at rest use the public development key (refused in production)');
  }
  return new SecretBox({ current: secrets.currentVersion, keys: secrets.keys });
};
