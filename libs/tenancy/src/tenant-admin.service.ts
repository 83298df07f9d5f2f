import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode } from '#common';
import { AuditRecorder } from '#audit';
import { EventBusService } from '#redis';
import { SecretBox } from '#secrets';
import { generateApiKey } from './api-key.js';
import type { ApiKeyEntity } from './api-key.entity.js';
import { ApiKeyRepository } from './api-key.repository.js';
import { TenantCacheService } from './tenant-cache.service.js';
import type { TenantEntity, TenantStatus } from './tenant.entity.js';
import { TenantRepository } from './tenant.repository.js';
import { resolveTenantConfig, type TenantConfigPatch } from './tenant-config.js';
import { redactTenantConfig, sealConfigPatch, type RevealedSecrets, type TenantConfigView } from './tenant-config-secrets.js';

export interface TenantView {
  id: string;
  name: string;
  status: TenantStatus;
  /** Secrets redacted: `llm.apiKeySet`, `handoffWebhookSecretSet`. */
  config: TenantConfigView;
  createdAt: string;
  updatedAt: string;
}

export interface ApiKeyView {
  id: string;
  prefix: string;
  label: string | null;
  createdAt: string;
  revokedAt: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Platform-operator actions on tenants and their keys. Every change is audited and announced. */
@Injectable()
export class TenantAdminService {
  constructor(
    private readonly tenants: TenantRepository,
    private readonly keys: ApiKeyRepository,
    private readonly cache: TenantCacheService,
    private readonly events: EventBusService,
    private readonly audit: AuditRecorder,
    private readonly box: SecretBox,
  ) {}

  /** Creates the tenant and its first API key in one transaction; the key is shown only here. */
  async create(input: { id: string; name: string; config?: TenantConfigPatch }): Promise<{ tenant: TenantView; apiKey: string; apiKeyId: string } & RevealedSecrets> {
    // Secrets are sealed before they reach the row; generated ones are shown in this response only.
    const sealed = sealConfigPatch(this.box, input.id, resolveTenantConfig({}), input.config ?? {});
    const config = resolveTenantConfig({}, sealed.patch);
    const issued = generateApiKey();
    const keyRow = await this.tenants.transaction(input.id, async (manager) => {
      const inserted = await this.tenants.insert(manager, { id: input.id, name: input.name, config });
      if (!inserted) throw new DomainError(ErrorCode.TenantExists, `tenant "${input.id}" already exists`);
      return this.keys.insert(manager, { tenantId: input.id, prefix: issued.prefix, keyHash: issued.keyHash, label: 'initial' });
    });
    this.auditChange(input.id, 'tenant.create', { name: input.name });
    return { tenant: await this.get(input.id), apiKey: issued.apiKey, apiKeyId: keyRow.id, ...sealed.revealed };
  }

  async get(tenantId: string): Promise<TenantView> {
    return toView(await this.require(tenantId));
  }

  async update(tenantId: string, changes: { name?: string; status?: TenantStatus; config?: TenantConfigPatch }): Promise<TenantView & RevealedSecrets> {
    const current = await this.require(tenantId);
    const sealed = changes.config ? sealConfigPatch(this.box, tenantId, resolveTenantConfig(current.config), changes.config) : undefined;
    await this.tenants.update(tenantId, {
      name: changes.name,
      status: changes.status,
      config: sealed ? resolveTenantConfig(current.config, sealed.patch) : undefined,
    });
    this.cache.invalidate(tenantId);
    await this.events.publish({ type: 'tenant.changed', tenantId });
    this.auditChange(tenantId, changes.status === 'disabled' ? 'tenant.disable' : 'tenant.update', {
      fields: Object.keys(changes).filter((k) => changes[k as keyof typeof changes] !== undefined),
      configKeys: changes.config ? Object.keys(changes.config) : [],
    });
    return { ...(await this.get(tenantId)), ...sealed?.revealed };
  }

  async issueKey(tenantId: string, label: string | null): Promise<ApiKeyView & { apiKey: string }> {
    await this.require(tenantId);
    const issued = generateApiKey();
    const row = await this.tenants.transaction(tenantId, (manager) =>
      this.keys.insert(manager, { tenantId, prefix: issued.prefix, keyHash: issued.keyHash, label }),
    );
    this.auditChange(tenantId, 'apikey.issue', { keyId: row.id, prefix: row.prefix });
    return { ...toKeyView(row), apiKey: issued.apiKey };
  }

  async listKeys(tenantId: string): Promise<ApiKeyView[]> {
    await this.require(tenantId);
    return (await this.keys.listForTenant(tenantId)).map(toKeyView);
  }

  async revokeKey(tenantId: string, keyId: string): Promise<void> {
    await this.require(tenantId);
    if (!UUID.test(keyId) || !(await this.keys.revoke(tenantId, keyId))) {
      throw new DomainError(ErrorCode.ApiKeyNotFound, 'no active API key with this id for this tenant');
    }
    await this.events.publish({ type: 'apikey.revoked', tenantId, keyId });
    this.auditChange(tenantId, 'apikey.revoke', { keyId });
  }

  private async require(tenantId: string): Promise<TenantEntity> {
    const row = await this.tenants.findById(tenantId);
    if (!row) throw new DomainError(ErrorCode.TenantNotFound, `tenant "${tenantId}" not found`);
    return row;
  }

  private auditChange(tenantId: string, action: string, detail: Record<string, unknown>): void {
    this.audit.recordInBackground({
      tenantId, eventId: randomUUID(), kind: 'admin', actor: 'admin', action, detail, at: new Date().toISOString(),
    });
  }
}

const toView = (row: TenantEntity): TenantView => ({
  id: row.id,
  name: row.name,
  status: row.status,
  config: redactTenantConfig(resolveTenantConfig(row.config)),
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

const toKeyView = (row: ApiKeyEntity): ApiKeyView => ({
  id: row.id,
  prefix: row.prefix,
  label: row.label,
  createdAt: row.createdAt.toISOString(),
  revokedAt: row.revokedAt ? row.revokedAt.toISOString() : null,
});
