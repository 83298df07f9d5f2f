import { bulkhead, type BulkheadPolicy } from 'cockatiel';

/**
 * One cockatiel bulkhead per tenant: caps a tenant's concurrent calls to a slow dependency so
 * it cannot hold every worker slot. With no queue (the default) an excess call is refused at
 * once (`BulkheadRejectedError`) and the caller falls back immediately instead of waiting.
 */
export class BulkheadRegistry {
  private readonly bulkheads = new Map<string, BulkheadPolicy>();

  constructor(
    private readonly limit: number,
    private readonly queue = 0,
  ) {}

  /** The bulkhead of `tenantId`. */
  get(tenantId: string): BulkheadPolicy {
    let policy = this.bulkheads.get(tenantId);
    if (!policy) {
      policy = bulkhead(this.limit, this.queue);
      this.bulkheads.set(tenantId, policy);
    }
    return policy;
  }
}
