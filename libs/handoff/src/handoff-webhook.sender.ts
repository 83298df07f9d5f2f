import { Inject, Injectable } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { Clock } from '#common';
import { AppConfig } from '#config';
import { LOGGER, type Logger } from '#observability';
import type { NotifyHandoffPayload } from '#queue';
import { SecretBox, tenantSecretContext } from '#secrets';
import { TenantCacheService } from '#tenancy';
import { HANDOFF_SIGNATURE_HEADER, HANDOFF_TIMESTAMP_HEADER, signHandoffWebhook } from './handoff-signature.js';

export type DeliveryResult = 'delivered' | 'skipped';

/**
 * Delivers one handoff webhook attempt: a signed JSON POST to the tenant's URL. Network
 * errors, timeouts, 408, 429 and 5xx throw so BullMQ retries with backoff; any other status
 * (a 4xx: the receiver refuses it, or a redirect) throws UnrecoverableError and retries stop.
 */
@Injectable()
export class HandoffWebhookSender {
  constructor(
    private readonly tenants: TenantCacheService,
    private readonly box: SecretBox,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async deliver(payload: NotifyHandoffPayload, attempt = 1): Promise<DeliveryResult> {
    const tenant = await this.tenants.get(payload.tenantId);
    const url = tenant?.config.handoffWebhookUrl;
    const sealed = tenant?.config.handoffWebhookSecretSealed;
    if (!url || !sealed) {
      this.logger.info({ handoffId: payload.handoffId }, 'handoff webhook no longer configured; not delivered');
      return 'skipped';
    }
    const secret = this.box.open(sealed, tenantSecretContext(payload.tenantId, 'handoffWebhookSecret'));
    const { tenantId, handoffId, userId, reason, query, transcript, at } = payload;
    const body = JSON.stringify({ id: handoffId, tenantId, userId, reason, query, transcript, at });
    const timestamp = String(Math.floor(this.clock.now() / 1000));
    const target = new URL(url).origin; // logged instead of the URL, which may carry a token
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Fengda-Webhook/1',
          [HANDOFF_TIMESTAMP_HEADER]: timestamp,
          [HANDOFF_SIGNATURE_HEADER]: signHandoffWebhook(secret, timestamp, body),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.config.handoff.webhookTimeoutMs),
      });
    } catch (error) {
      this.logger.warn({ handoffId, target, attempt, err: (error as Error).name }, 'handoff webhook unreachable; will retry');
      throw new Error(`handoff webhook unreachable (${(error as Error).name})`, { cause: error });
    }
    await response.body?.cancel().catch(() => undefined);
    const { status } = response;
    if (status >= 200 && status < 300) {
      this.logger.info({ handoffId, target, attempt, status }, 'handoff webhook delivered');
      return 'delivered';
    }
    if (status >= 500 || status === 408 || status === 429) {
      this.logger.warn({ handoffId, target, attempt, status }, 'handoff webhook failed; will retry');
      throw new Error(`handoff webhook answered HTTP ${status}`);
    }
    this.logger.warn({ handoffId, target, attempt, status }, 'handoff webhook refused; giving up');
    throw new UnrecoverableError(`handoff webhook answered HTTP ${status}; not retried`);
  }
}
