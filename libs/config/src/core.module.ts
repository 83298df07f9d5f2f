import { Global, Module, type DynamicModule } from '@nestjs/common';
import { Clock, SystemClock } from '#common';
import { LOGGER, type Logger } from '#observability';
import { AppConfig } from './app-config.js';

export interface CoreOptions {
  config: AppConfig;
  logger: Logger;
  /** Tests move time; production uses the system clock. */
  clock?: Clock;
}

/** Process-wide singletons every module may inject: configuration, logger and clock. */
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
      ],
      exports: [AppConfig, LOGGER, Clock],
    };
  }
}
