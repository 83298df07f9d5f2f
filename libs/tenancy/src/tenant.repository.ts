import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { TenantEntity, type TenantStatus } from './tenant.entity.js';
import type { TenantConfig } from './tenant-config.js';

/** Tenant rows. The tenant id is the key of every call; there is no "list all and filter". */
@Injectable()
export class TenantRepository {
  constructor(private readonly dataSource: DataSource) {}

  async findById(tenantId: string): Promise<TenantEntity | null> {
    return this.dataSource.getRepository(TenantEntity).findOneBy({ id: tenantId });
  }

  /** Inserts; returns false when the id is taken. */
  async insert(
    manager: EntityManager,
    tenant: { id: string; name: string; config: TenantConfig },
  ): Promise<boolean> {
    const result = await manager.query(
      `INSERT INTO tenants (id, name, status, config) VALUES ($1, $2, 'active', $3)
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [tenant.id, tenant.name, JSON.stringify(tenant.config)],
    );
    return (result as unknown[]).length === 1;
  }

  async update(
    tenantId: string,
    changes: { name?: string; status?: TenantStatus; config?: TenantConfig },
  ): Promise<void> {
    await this.dataSource.getRepository(TenantEntity).update({ id: tenantId }, { ...changes, updatedAt: new Date() });
  }

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }
}
