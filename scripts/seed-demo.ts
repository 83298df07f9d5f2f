import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { AppConfig } from '#config';
import { createDataSource, TenantDb } from '#database';
import { KnowledgeRepository, type KbEntry } from '#knowledge';
import { generateApiKey, resolveTenantConfig } from '#tenancy';

// `npm run seed`: makes the demo tenant `demo-bank` with the demo bank FAQ, and issues a fresh
// demo API key (revoking the previous demo key, since keys are only ever shown once).
// The last stdout line is JSON for scripts: {"tenantId","apiKey","entries"}.

const TENANT_ID = 'demo-bank';
const FAQ_FILE = new URL('../../seed/demo-bank.faq.jsonl', import.meta.url);

const config = AppConfig.fromEnv();
const entries: KbEntry[] = readFileSync(FAQ_FILE, 'utf8')
  .split('\n')
  .filter((line) => line.trim())
  .map((line) => {
    const e = JSON.parse(line) as KbEntry;
    return { id: e.id, question: e.question, similarQuestions: e.similarQuestions ?? [], answer: e.answer, tags: e.tags ?? [] };
  });

// Seeding is an operator task: it runs as the schema owner, like migrations.
const dataSource = await createDataSource(config.database.migrationUrl).initialize();
const redis = new Redis(config.redis.url, { protocol: 2, maxRetriesPerRequest: 1 });
try {
  const key = generateApiKey();
  await dataSource.transaction(async (manager) => {
    await manager.query(
      `INSERT INTO tenants (id, name, status, config) VALUES ($1, $2, 'active', $3) ON CONFLICT (id) DO NOTHING`,
      [TENANT_ID, 'Fengda Demo Bank 蜂答示范银行', JSON.stringify(resolveTenantConfig({}))],
    );
    await manager.query(`UPDATE api_keys SET revoked_at = now() WHERE tenant_id = $1 AND label = 'demo' AND revoked_at IS NULL`, [TENANT_ID]);
    await manager.query(`INSERT INTO api_keys (tenant_id, prefix, key_hash, label) VALUES ($1, $2, $3, 'demo')`, [TENANT_ID, key.prefix, key.keyHash]);
  });
  await new KnowledgeRepository(new TenantDb(dataSource)).upsertMany(TENANT_ID, entries);
  // Running processes drop their caches for the demo tenant (revoked key, new FAQ).
  const channel = `${config.redis.prefix}:events`;
  await redis.publish(channel, JSON.stringify({ type: 'kb.changed', tenantId: TENANT_ID }));
  await redis.publish(channel, JSON.stringify({ type: 'tenant.changed', tenantId: TENANT_ID }));
  process.stderr.write(`[seed] tenant ${TENANT_ID}: ${entries.length} FAQ entries, new demo API key issued\n`);
  process.stdout.write(`${JSON.stringify({ tenantId: TENANT_ID, apiKey: key.apiKey, entries: entries.length })}\n`);
} finally {
  await dataSource.destroy();
  redis.disconnect();
}
