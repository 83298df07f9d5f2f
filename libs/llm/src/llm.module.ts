import { Module } from '@nestjs/common';
import { ChatCompletionClient } from './chat-completion.client.js';
import { HttpDispatchers } from './http-dispatchers.service.js';
import { LlmService } from './llm.service.js';

/** Language-model providers: shared connection pools, the streaming client, resilience. */
@Module({ providers: [HttpDispatchers, ChatCompletionClient, LlmService], exports: [LlmService, HttpDispatchers] })
export class LlmModule {}
