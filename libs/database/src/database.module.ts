import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '#config';
import { ENTITIES } from './entities.js';
import { TenantDb } from './tenant-db.service.js';

/** The apps' Postgres pool. Schema changes only ever come from migrations, never `synchronize`. */
@Global()
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
  providers: [TenantDb],
  exports: [TenantDb],
})
export class DatabaseModule {}
