import { Injectable } from '@nestjs/common';
import { IsNull, type EntityManager } from 'typeorm';
import { TenantDb } from '#database';
import { ApiKeyEntity } from './api-key.entity.js';

/** API key rows; every read and write names the tenant, except the prefix lookup that finds it. */
@Injectable()
export class ApiKeyRepository {
  constructor(private readonly db: TenantDb) {}

  async insert(
    manager: EntityManager,
    key: { tenantId: string; prefix: string; keyHash: string; label: string | null },
  ): Promise<ApiKeyEntity> {
    const repo = manager.getRepository(ApiKeyEntity);
    return repo.save(repo.create(key));
  }

  /** The active key with this prefix, whatever its tenant: this is how a request finds its tenant. */
  async findActiveByPrefix(prefix: string): Promise<Pick<ApiKeyEntity, 'id' | 'tenantId' | 'keyHash'> | null> {
    // Row-level security hides every key until the tenant is known; this SECURITY DEFINER
    // function is the one narrow lookup across tenants (see the RLS migration).
    const rows: Pick<ApiKeyEntity, 'id' | 'tenantId' | 'keyHash'>[] = await this.db.unscoped((m) =>
      m.query(`SELECT id, tenant_id AS "tenantId", key_hash AS "keyHash" FROM fengda_find_api_key($1)`, [prefix]),
    );
    return rows[0] ?? null;
  }

  async listForTenant(tenantId: string): Promise<ApiKeyEntity[]> {
    return this.db.run(tenantId, (m) => m.getRepository(ApiKeyEntity).find({ where: { tenantId }, order: { createdAt: 'ASC' } }));
  }

  /** Marks the key revoked; false when the tenant has no such active key. */
  async revoke(tenantId: string, keyId: string): Promise<boolean> {
    const result = await this.db.run(tenantId, (m) =>
      m.getRepository(ApiKeyEntity).update({ tenantId, id: keyId, revokedAt: IsNull() }, { revokedAt: new Date() }),
    );
    return (result.affected ?? 0) > 0;
  }
}
