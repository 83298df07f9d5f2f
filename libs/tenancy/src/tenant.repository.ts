import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { TenantDb } from '#database';
import { TenantEntity, type TenantStatus } from './tenant.entity.js';
import type { TenantConfig } from './tenant-config.js';

/** Tenant rows. The tenant id is the key of every call; there is no "list all and filter". */
@Injectable()
export class TenantRepository {
  constructor(private readonly db: TenantDb) {}

  async findById(tenantId: string): Promise<TenantEntity | null> {
    return this.db.run(tenantId, (m) => m.getRepository(TenantEntity).findOneBy({ id: tenantId }));
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
    await this.db.run(tenantId, (m) => m.getRepository(TenantEntity).update({ id: tenantId }, { ...changes, updatedAt: new Date() }));
  }

  /** A transaction acting as the tenant (creating it, issuing its keys). */
  transaction<T>(tenantId: string, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.db.run(tenantId, work);
  }
}
