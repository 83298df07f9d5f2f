import type { Redis } from 'ioredis';
import { createDataSource, TenantDb } from '../../libs/database/src/index.js';
import { KnowledgeRepository } from '../../libs/knowledge/src/index.js';
import { loadDemoFaq } from '../bench/setup.js';
import type { SeededUser } from './load.js';

export interface SeededTenant {
  id: string;
  apiKey: string;
  users: SeededUser[];
  /** A user outside the measured ones, for warm-up turns. */
  warm: SeededUser;
}

export interface SeedContext {
  gatewayUrl: string;
  adminToken: string;
  /** Owner URL of the app database (the KB is written directly, as the bench does). */
  ownerDatabaseUrl: string;
  redis: Redis;
  prefix: string;
}

/** Limits far above the load, so rate limiting never answers for a fault. */
export const NO_RATE_LIMIT = { tenantPerSec: 100_000, tenantBurst: 1_000_000, userPerMin: 100_000, userBurst: 10_000 };

/** Tenants created through the admin API with the demo bank FAQ, and end-user tokens for their users. */
export const seedTenants = async (ctx: SeedContext, specs: { id: string; config?: Record<string, unknown> }[], usersPerTenant: number): Promise<SeededTenant[]> => {
  const faq = loadDemoFaq();
  const dataSource = await createDataSource(ctx.ownerDatabaseUrl).initialize();
  const out: SeededTenant[] = [];
  try {
    for (const spec of specs) {
      const created = await post(`${ctx.gatewayUrl}/v1/admin/tenants`, ctx.adminToken, {
        id: spec.id,
        name: spec.id,
        config: { answerDeadlineMs: 1500, maxTurns: 1000, rateLimit: NO_RATE_LIMIT, ...spec.config },
      });
      const apiKey = created.apiKey as string;
      await new KnowledgeRepository(new TenantDb(dataSource)).upsertMany(spec.id, faq);
      await ctx.redis.publish(`${ctx.prefix}:events`, JSON.stringify({ type: 'kb.changed', tenantId: spec.id }));
      const user = async (userId: string): Promise<SeededUser> => {
        const { token } = await post(`${ctx.gatewayUrl}/v1/auth/token`, apiKey, { userId });
        return { tenantId: spec.id, userId, token: token as string };
      };
      const users = await Promise.all(Array.from({ length: usersPerTenant }, (_, u) => user(`u${u}`)));
      out.push({ id: spec.id, apiKey, users, warm: await user('warm-up') });
    }
  } finally {
    await dataSource.destroy();
  }
  return out;
};

/** Users of several tenants interleaved, so consecutive turns go to different tenants. */
export const interleave = (tenants: SeededTenant[]): SeededUser[] => {
  const out: SeededUser[] = [];
  const longest = Math.max(...tenants.map((t) => t.users.length));
  for (let u = 0; u < longest; u++) for (const t of tenants) if (t.users[u]) out.push(t.users[u]!);
  return out;
};

/** Every phrasing of every FAQ entry: questions the knowledge base can answer. */
export const kbQueries = (): string[] => loadDemoFaq().flatMap((e) => [e.question, ...e.similarQuestions]);

export const post = async (url: string, token: string, body: unknown): Promise<Record<string, unknown>> => {
  const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
};

/**
 * A few rounds of concurrent turns per tenant on every gateway before the measured load: the
 * gateways load the tenant, the workers build its index (and open the provider's pool), so a
 * case measures the fault, not a new tenant's first seconds.
 */
export const warmUp = async (gateways: string[], tenants: SeededTenant[], queries: string[]): Promise<void> => {
  for (let round = 0; round < 3; round++) {
    await Promise.all(
      tenants.flatMap((tenant) =>
        Array.from({ length: 16 }, (_, i) =>
          fetch(`${gateways[i % gateways.length]}/v1/chat`, {
            method: 'POST',
            headers: { authorization: `Bearer ${tenant.warm.token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ query: queries[(round * 16 + i) % queries.length] }),
          })
            .then((r) => r.text())
            .catch(() => undefined),
        ),
      ),
    );
  }
};
