import { Module } from '@nestjs/common';
import { TenancyModule } from '#tenancy';
import { HandoffService } from './handoff.service.js';
import { HandoffWebhookSender } from './handoff-webhook.sender.js';

/** Handoff to human agents: queueing (engine side) and signed webhook delivery (worker side). */
@Module({ imports: [TenancyModule], providers: [HandoffService, HandoffWebhookSender], exports: [HandoffService, HandoffWebhookSender] })
export class HandoffModule {}
