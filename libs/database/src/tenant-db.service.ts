import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

/**
 * The only way the apps reach tenant-owned rows: a transaction with the tenant set
 * transaction-locally (`set_config(…, true)`), never per session, so a pooled connection
 * cannot carry one tenant's identity into another's request. Row-level security does the
 * filtering; repositories cannot forget it.
 */
@Injectable()
export class TenantDb {
  constructor(private readonly dataSource: DataSource) {}

  run<T>(tenantId: string, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (manager) => {
      await TenantDb.setTenant(manager, tenantId);
      return work(manager);
    });
  }

  /** One transaction in which the caller switches tenants itself (batches spanning tenants). */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** Sets (or switches) the tenant for the rest of the manager's transaction. */
  static async setTenant(manager: EntityManager, tenantId: string): Promise<void> {
    await manager.query(`SELECT set_config('fengda.tenant_id', $1, true)`, [tenantId]);
  }

  /** Runs outside any tenant: only the SECURITY DEFINER functions return rows here. */
  unscoped<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return work(this.dataSource.manager);
  }
}
