import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Clock, DomainError, ErrorCode } from '#common';
import { EventBusService } from '#redis';
import { hashApiKey, hashesEqual, parseApiKeyPrefix } from './api-key.js';
import { ApiKeyRepository } from './api-key.repository.js';
import { TenantCacheService } from './tenant-cache.service.js';
import type { TenantSnapshot } from './tenant-snapshot.js';

/** A request authenticated by a tenant API key. */
export interface ApiKeyPrincipal {
  tenant: TenantSnapshot;
  keyId: string;
  keyPrefix: string;
}

interface CachedKey {
  tenantId: string;
  keyId: string;
  prefix: string;
  cachedAt: number;
}

const KEY_CACHE_TTL_MS = 30_000;

/** Checks tenant API keys; verified keys are cached by hash and dropped when revoked. */
@Injectable()
export class ApiKeyAuthService implements OnModuleInit {
  private readonly verified = new Map<string, CachedKey>();

  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly tenants: TenantCacheService,
    private readonly events: EventBusService,
    private readonly clock: Clock,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.events.subscribe((event) => {
      if (event.type === 'apikey.revoked') this.forgetKey(event.keyId);
    });
  }

  /** Resolves the key's tenant; throws INVALID_API_KEY, TENANT_NOT_FOUND or TENANT_DISABLED. */
  async authenticate(apiKey: string): Promise<ApiKeyPrincipal> {
    const prefix = parseApiKeyPrefix(apiKey);
    if (!prefix) throw new DomainError(ErrorCode.InvalidApiKey, 'API key is malformed');
    const hash = hashApiKey(apiKey);
    let cached = this.verified.get(hash);
    if (!cached || this.clock.now() - cached.cachedAt > KEY_CACHE_TTL_MS) {
      const row = await this.keys.findActiveByPrefix(prefix);
      if (!row || !hashesEqual(row.keyHash, hash)) {
        this.verified.delete(hash);
        throw new DomainError(ErrorCode.InvalidApiKey, 'API key is not valid');
      }
      cached = { tenantId: row.tenantId, keyId: row.id, prefix, cachedAt: this.clock.now() };
      this.verified.set(hash, cached);
    }
    const tenant = await this.tenants.get(cached.tenantId);
    if (!tenant) throw new DomainError(ErrorCode.TenantNotFound, 'tenant not found');
    if (tenant.status !== 'active') throw new DomainError(ErrorCode.TenantDisabled, 'tenant is disabled');
    return { tenant, keyId: cached.keyId, keyPrefix: prefix };
  }

  /** Forgets a revoked key in this process at once. */
  forgetKey(keyId: string): void {
    for (const [hash, entry] of this.verified) if (entry.keyId === keyId) this.verified.delete(hash);
  }
}
