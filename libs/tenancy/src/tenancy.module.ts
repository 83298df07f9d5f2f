import { Module } from '@nestjs/common';
import { AuditModule } from '#audit';
import { ApiKeyAuthService } from './api-key-auth.service.js';
import { ApiKeyRepository } from './api-key.repository.js';
import { TenantAdminService } from './tenant-admin.service.js';
import { TenantCacheService } from './tenant-cache.service.js';
import { TenantRepository } from './tenant.repository.js';

@Module({
  imports: [AuditModule],
  providers: [TenantRepository, ApiKeyRepository, TenantCacheService, ApiKeyAuthService, TenantAdminService],
  exports: [TenantCacheService, ApiKeyAuthService, TenantAdminService],
})
export class TenancyModule {}
