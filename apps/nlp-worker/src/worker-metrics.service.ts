import { Injectable, type OnModuleInit } from '@nestjs/common';
import { LlmService } from '#llm';
import { MetricsService } from '#metrics';

const STATE_VALUE: Record<string, number> = { closed: 0, 'half-open': 1, open: 2, isolated: 3 };

/** Worker-only series read at scrape time: one circuit-breaker state per (tenant, provider). */
@Injectable()
export class WorkerMetricsService implements OnModuleInit {
  constructor(
    private readonly metrics: MetricsService,
    private readonly llm: LlmService,
  ) {}

  onModuleInit(): void {
    // Bounded cardinality: one series per tenant that configured a provider.
    this.metrics.gauge('fengda_llm_breaker_state', 'Circuit breaker per tenant and provider: 0 closed, 1 half-open, 2 open, 3 isolated', ['tenant', 'provider'], (gauge) => {
      gauge.reset();
      for (const b of this.llm.breakerStates()) gauge.set({ tenant: b.tenantId, provider: b.provider }, STATE_VALUE[b.state] ?? -1);
    });
  }
}
