import { AuditLogEntity } from '../../audit/src/audit-log.entity.js';
import { KbEntryEntity } from '../../knowledge/src/kb-entry.entity.js';
import { ApiKeyEntity } from '../../tenancy/src/api-key.entity.js';
import { TenantEntity } from '../../tenancy/src/tenant.entity.js';

/** All TypeORM entities. Imported by file, not by lib index, to keep the import graph acyclic. */
export const ENTITIES = [TenantEntity, ApiKeyEntity, KbEntryEntity, AuditLogEntity];
