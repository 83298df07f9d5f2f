import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AuditRecorder } from '#audit';
import { Clock } from '#common';
import { LOGGER, type Logger } from '#observability';
import { EventBusService } from '#redis';

export type KbAuditAction = 'kb.create' | 'kb.update' | 'kb.delete' | 'kb.import';

/**
 * After a committed change: workers drop the tenant's retrieval index (so the next turn
 * answers from the new entries without a restart), and the audit trail records who did it.
 * Audit details carry ids and counts only, never the texts.
 */
@Injectable()
export class KbChangeNotifier {
  constructor(
    private readonly events: EventBusService,
    private readonly audit: AuditRecorder,
    private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async changed(tenantId: string, actor: string, action: KbAuditAction, detail: Record<string, unknown>): Promise<void> {
    this.audit.recordInBackground({
      tenantId, eventId: randomUUID(), kind: 'kb', actor, action, detail, at: new Date(this.clock.now()).toISOString(),
    });
    try {
      await this.events.publish({ type: 'kb.changed', tenantId });
    } catch (error) {
      // The write is committed; failing the request now would only invite a retry of a done
      // change. Workers' indexes also expire on their own, so the change still shows, later.
      this.logger.warn({ tenantId, err: (error as Error).message }, 'kb.changed event not published');
    }
  }
}
