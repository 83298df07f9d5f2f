import type { TenantStatus } from './tenant.entity.js';
import type { TenantConfig } from './tenant-config.js';

/** What the hot path knows about a tenant: immutable, held in memory. */
export interface TenantSnapshot {
  readonly id: string;
  readonly name: string;
  readonly status: TenantStatus;
  readonly config: Readonly<TenantConfig>;
}
