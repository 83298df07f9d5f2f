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

/** Checks tenant API keys; verified keys are cached by hash, checked again after 30 s, and dropped when revoked. */
@Injectable()
export class ApiKeyAuthService implements OnModuleInit {
  private readonly verified = new Map<string, CachedKey>();
  /** One lookup in flight per key. */
  private readonly verifying = new Map<string, Promise<CachedKey>>();

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
    if (!cached) cached = await this.verify(hash, prefix);
    else if (this.clock.now() - cached.cachedAt > KEY_CACHE_TTL_MS) {
      // Serve the key verified before and check it again behind, as the tenant cache does: a Postgres outage must not stop
      // customers' sessions from starting. Revocation does not wait for this: it reaches every gateway at once over Redis.
      void this.verify(hash, prefix).catch(() => undefined);
    }
    const tenant = await this.tenants.get(cached.tenantId);
    if (!tenant) throw new DomainError(ErrorCode.TenantNotFound, 'tenant not found');
    if (tenant.status !== 'active') throw new DomainError(ErrorCode.TenantDisabled, 'tenant is disabled');
    return { tenant, keyId: cached.keyId, keyPrefix: prefix };
  }

  /** Looks the key up in Postgres and remembers it; a key no longer there (or not matching) is forgotten and refused. */
  private verify(hash: string, prefix: string): Promise<CachedKey> {
    let pending = this.verifying.get(hash);
    if (!pending) {
      pending = this.keys
        .findActiveByPrefix(prefix)
        .then((row) => {
          if (!row || !hashesEqual(row.keyHash, hash)) {
            this.verified.delete(hash);
            throw new DomainError(ErrorCode.InvalidApiKey, 'API key is not valid');
          }
          const entry: CachedKey = { tenantId: row.tenantId, keyId: row.id, prefix, cachedAt: this.clock.now() };
          this.verified.set(hash, entry);
          return entry;
        })
        .finally(() => this.verifying.delete(hash));
      this.verifying.set(hash, pending);
    }
    return pending;
  }

  /** Forgets a revoked key in this process at once. */
  forgetKey(keyId: string): void {
    for (const [hash, entry] of this.verified) if (entry.keyId === keyId) this.verified.delete(hash);
  }
}
