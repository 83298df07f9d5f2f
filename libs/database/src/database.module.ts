import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '#config';
import { ENTITIES } from './entities.js';

/** The apps' Postgres pool. Schema changes only ever come from migrations, never `synchronize`. */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        type: 'postgres' as const,
        url: config.database.url,
        entities: ENTITIES,
        synchronize: false,
        migrationsRun: false,
        poolSize: config.database.poolSize,
        logging: false,
        extra: { connectionTimeoutMillis: 5_000, application_name: 'fengda' },
      }),
    }),
  ],
})
export class DatabaseModule {}
