import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { createDataSource, runMigrations, TenantDb } from '../../libs/database/src/index.js';
import { KnowledgeRepository, type KbEntry } from '../../libs/knowledge/src/index.js';

export interface BenchEnv {
  runId: string;
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  adminToken: string;
  jwtSecret: string;
  port: number;
  workerPort: number;
}

/** A TCP port nobody listens on right now (the kernel picks it). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });

/** A fresh database and Redis prefix, never those of a running demo or test run. */
export const prepareEnvironment = async (): Promise<BenchEnv> => {
  const services = (await import(new URL('../../../scripts/ensure-services.mjs', import.meta.url).href)) as {
    ensurePostgres(url: string): Promise<unknown>;
    ensureRedis(url: string): Promise<unknown>;
    ensureDatabase(url: string): Promise<unknown>;
  };
  const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const server = process.env.BENCH_DATABASE_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432';
  const env: BenchEnv = {
    runId,
    databaseUrl: `${server}/fengda_bench_${runId}`,
    redisUrl: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/0',
    prefix: `fdbench-${runId}`,
    adminToken: randomBytes(24).toString('base64url'),
    jwtSecret: randomBytes(48).toString('base64url'),
    port: await freePort(),
    workerPort: await freePort(),
  };
  await services.ensurePostgres(`${server}/postgres`);
  await services.ensureRedis(env.redisUrl);
  await services.ensureDatabase(env.databaseUrl);
  await runMigrations(env.databaseUrl);
  return env;
};

export const appEnv = (env: BenchEnv): NodeJS.ProcessEnv => ({
  ...process.env,
  NODE_ENV: 'production',
  LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
  DATABASE_URL: Object.assign(new URL(env.databaseUrl), { username: 'fengda_app' }).toString(),
  MIGRATION_DATABASE_URL: env.databaseUrl,
  REDIS_URL: env.redisUrl,
  REDIS_PREFIX: env.prefix,
  ADMIN_TOKEN: env.adminToken,
  JWT_SECRET: env.jwtSecret,
  SECRETS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  PORT: String(env.port),
  WORKER_PORT: String(env.workerPort),
  HOST: '127.0.0.1',
  // Seeded tokens must outlive the whole run (the soak alone is 10 minutes).
  JWT_TTL_SECONDS: '7200',
  // Heartbeats must flow during the WebSocket phase, not only after 30 s.
  WS_HEARTBEAT_MS: '5000',
});

export const loadDemoFaq = (): KbEntry[] =>
  readFileSync(new URL('../../../seed/demo-bank.faq.jsonl', import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const e = JSON.parse(l) as KbEntry;
      return { id: e.id, question: e.question, similarQuestions: e.similarQuestions ?? [], answer: e.answer, tags: e.tags ?? [] };
    });

/** Tenants (created through the admin API) with the demo FAQ, and end-user tokens for their users. */
export const seedTenants = async (env: BenchEnv, tenants: number, usersPerTenant: number): Promise<string[]> => {
  const base = `http://127.0.0.1:${env.port}`;
  const faq = loadDemoFaq();
  const dataSource = await createDataSource(env.databaseUrl).initialize();
  const redis = new Redis(env.redisUrl, { protocol: 2 });
  const tokens: string[] = [];
  try {
    for (let t = 0; t < tenants; t++) {
      const id = `bench-bank-${t}`;
      const created = await post(`${base}/v1/admin/tenants`, env.adminToken, {
        id,
        name: `Bench Bank ${t}`,
        // The benchmark measures the turn pipeline, not the tenant's quota: limits far above the load.
        config: { answerDeadlineMs: 1500, rateLimit: { tenantPerSec: 100_000, tenantBurst: 100_000, userPerMin: 100_000, userBurst: 10_000 } },
      });
      const apiKey = created.apiKey as string;
      await new KnowledgeRepository(new TenantDb(dataSource)).upsertMany(id, faq);
      await redis.publish(`${env.prefix}:events`, JSON.stringify({ type: 'kb.changed', tenantId: id }));
      const users = Array.from({ length: usersPerTenant }, (_, u) => `user-${u}`);
      for (let i = 0; i < users.length; i += 50) {
        const batch = await Promise.all(users.slice(i, i + 50).map((userId) => post(`${base}/v1/auth/token`, apiKey, { userId })));
        tokens.push(...batch.map((b) => b.token as string));
      }
    }
  } finally {
    await dataSource.destroy();
    redis.disconnect();
  }
  return tokens;
};

/** Questions customers ask: KB phrasings plus ~10% the bot cannot answer (fallbacks). */
export const benchQueries = (): string[] => {
  const faq = loadDemoFaq();
  const inScope = faq.flatMap((e) => [e.question, ...e.similarQuestions]);
  const outOfScope = ['今天天气怎么样', 'what is the meaning of life', '帮我写一首诗', 'who won the football game'];
  const queries = [...inScope];
  for (let i = 0; i < inScope.length / 9; i++) queries.push(outOfScope[i % outOfScope.length]!);
  return queries;
};

const post = async (url: string, token: string, body: unknown): Promise<Record<string, unknown>> => {
  const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
};

/** Drops the bench database and every key of its prefix. */
export const cleanup = async (env: BenchEnv): Promise<void> => {
  const services = (await import(new URL('../../../scripts/ensure-services.mjs', import.meta.url).href)) as {
    dropDatabase(url: string): Promise<unknown>;
    deletePrefixedKeys(redisUrl: string, prefix: string): Promise<void>;
  };
  await services.deletePrefixedKeys(env.redisUrl, env.prefix);
  await services.dropDatabase(env.databaseUrl);
};
