import { Module, type DynamicModule } from '@nestjs/common';
import { AuthModule } from '#auth';
import { CoreModule, type CoreOptions } from '#config';
import { DatabaseModule } from '#database';
import { DialogueModule } from '#dialogue';
import { HealthModule } from '#health';
import { QueueModule } from '#queue';
import { RedisModule } from '#redis';
import { TenancyModule } from '#tenancy';
import { AdminTenantsController } from './controllers/admin-tenants.controller.js';
import { AuthController } from './controllers/auth.controller.js';
import { ChatController } from './controllers/chat.controller.js';
import { ConversationsController } from './controllers/conversations.controller.js';
import { AdminTokenGuard } from './auth/admin-token.guard.js';
import { ApiKeyGuard } from './auth/api-key.guard.js';
import { EndUserGuard } from './auth/end-user.guard.js';

/** The gateway only assembles modules; behaviour lives in the libs. */
@Module({})
export class GatewayModule {
  static forRoot(core: CoreOptions): DynamicModule {
    return {
      module: GatewayModule,
      imports: [CoreModule.forRoot(core), RedisModule, DatabaseModule, QueueModule, HealthModule, TenancyModule, AuthModule, DialogueModule],
      controllers: [AdminTenantsController, AuthController, ChatController, ConversationsController],
      providers: [AdminTokenGuard, ApiKeyGuard, EndUserGuard],
    };
  }
}
