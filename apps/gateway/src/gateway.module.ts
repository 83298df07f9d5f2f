import { Module, type DynamicModule } from '@nestjs/common';
import { AuditModule } from '#audit';
import { AuthModule } from '#auth';
import { CoreModule, type CoreOptions } from '#config';
import { DatabaseModule } from '#database';
import { DialogueModule } from '#dialogue';
import { HealthModule } from '#health';
import { MetricsModule } from '#metrics';
import { KnowledgeModule } from '#knowledge';
import { QueueModule } from '#queue';
import { RateLimitModule } from '#rate-limit';
import { RedisModule } from '#redis';
import { TenancyModule } from '#tenancy';
import { AdminTenantsController } from './controllers/admin-tenants.controller.js';
import { AuditController } from './controllers/audit.controller.js';
import { AuthController } from './controllers/auth.controller.js';
import { ChatController } from './controllers/chat.controller.js';
import { ConversationsController } from './controllers/conversations.controller.js';
import { KbController } from './controllers/kb.controller.js';
import { TokenRevocationController } from './controllers/token-revocation.controller.js';
import { AdminTokenGuard } from './auth/admin-token.guard.js';
import { ApiKeyGuard } from './auth/api-key.guard.js';
import { EndUserGuard } from './auth/end-user.guard.js';
import { RealtimeModule } from './realtime/realtime.module.js';

/** The gateway only assembles modules; behaviour lives in the libs. */
@Module({})
export class GatewayModule {
  static forRoot(core: CoreOptions): DynamicModule {
    return {
      module: GatewayModule,
      imports: [CoreModule.forRoot(core), RedisModule, DatabaseModule, QueueModule, HealthModule, MetricsModule, TenancyModule, AuthModule, AuditModule, RateLimitModule, DialogueModule, KnowledgeModule, RealtimeModule.forRoot(core.config)],
      controllers: [AdminTenantsController, AuthController, ChatController, ConversationsController, KbController, AuditController, TokenRevocationController],
      providers: [AdminTokenGuard, ApiKeyGuard, EndUserGuard],
    };
  }
}
