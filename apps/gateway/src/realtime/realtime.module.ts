import { Module, type DynamicModule } from '@nestjs/common';
import { AuthModule } from '#auth';
import type { AppConfig } from '#config';
import { DialogueModule } from '#dialogue';
import { SessionsModule } from '#sessions';
import { TenancyModule } from '#tenancy';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { EndUserGuard } from '../auth/end-user.guard.js';
import { EndUserAuthenticator } from './end-user-authenticator.js';
import { ChatCompletionsController } from './openai/chat-completions.controller.js';
import { ChatCompletionsService } from './openai/chat-completions.service.js';
import { ChatStreamController } from './sse/chat-stream.controller.js';
import { ChatStreamService } from './sse/chat-stream.service.js';
import { DemoTokenController } from './web/demo-token.controller.js';
import { WebAssets } from './web/web-assets.js';
import { WebChatController } from './web/web-chat.controller.js';
import { WsChatServer } from './ws/ws-chat.server.js';

/**
 * The streaming channels over the same chat turn as `POST /v1/chat`: WebSocket (`/v1/ws`),
 * SSE (`/v1/chat/stream`), the OpenAI-compatible facade, and the web chat page.
 */
@Module({})
export class RealtimeModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: RealtimeModule,
      imports: [AuthModule, TenancyModule, SessionsModule, DialogueModule],
      controllers: [ChatStreamController, ChatCompletionsController, WebChatController, ...(config.runtime.production ? [] : [DemoTokenController])],
      providers: [EndUserGuard, ApiKeyGuard, EndUserAuthenticator, WsChatServer, ChatStreamService, ChatCompletionsService, WebAssets],
      exports: [WsChatServer],
    };
  }
}
