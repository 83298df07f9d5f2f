import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Clock } from '#common';
import { EventBusService } from '#redis';
import { TenantRepository } from './tenant.repository.js';
import { resolveTenantConfig } from './tenant-config.js';
import type { TenantSnapshot } from './tenant-snapshot.js';

interface Entry {
  snapshot: TenantSnapshot | null;
  loadedAt: number;
}

// Events make changes visible at once; the TTL bounds staleness if an event is missed.
const TTL_MS = 60_000;
const NEGATIVE_TTL_MS = 5_000;

/**
 * Tenant configuration in process memory, so a chat turn needs no database query. Loaded on
 * first use, refreshed in the background when old, reloaded on a `tenant.changed` event.
 */
@Injectable()
export class TenantCacheService implements OnModuleInit {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<TenantSnapshot | null>>();

  constructor(
    private readonly tenants: TenantRepository,
    private readonly events: EventBusService,
    private readonly clock: Clock,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.events.subscribe((event) => {
      if (event.type === 'tenant.changed') this.entries.delete(event.tenantId);
    });
  }

  /** The tenant, or null when it does not exist. */
  async get(tenantId: string): Promise<TenantSnapshot | null> {
    const entry = this.entries.get(tenantId);
    const now = this.clock.now();
    if (entry) {
      const ttl = entry.snapshot ? TTL_MS : NEGATIVE_TTL_MS;
      if (now - entry.loadedAt < ttl) return entry.snapshot;
      if (entry.snapshot) {
        void this.load(tenantId).catch(() => undefined); // serve stale, refresh behind
        return entry.snapshot;
      }
    }
    return this.load(tenantId);
  }

  /** Drops a tenant so the next read goes to the database (after a local write). */
  invalidate(tenantId: string): void {
    this.entries.delete(tenantId);
  }

  private load(tenantId: string): Promise<TenantSnapshot | null> {
    let pending = this.loading.get(tenantId);
    if (!pending) {
      pending = this.tenants
        .findById(tenantId)
        .then((row) => {
          const snapshot: TenantSnapshot | null = row
            ? Object.freeze({ id: row.id, name: row.name, status: row.status, config: Object.freeze(resolveTenantConfig(row.config)) })
            : null;
          this.entries.set(tenantId, { snapshot, loadedAt: this.clock.now() });
          return snapshot;
        })
        .finally(() => this.loading.delete(tenantId));
      this.loading.set(tenantId, pending);
    }
    return pending;
  }
}
