import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tenants, their API keys, knowledge-base entries and the audit log. Every tenant-owned row
 * carries `tenant_id` as the leading column of its keys, so every lookup is tenant-first.
 */
export class InitialSchema1763769600000 implements MigrationInterface {
  name = 'InitialSchema1763769600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tenants (
        id          text PRIMARY KEY CHECK (id ~ '^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$'),
        name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
        config      jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at  timestamptz NOT NULL DEFAULT now(),
        updated_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE api_keys (
        id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id   text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        prefix      text NOT NULL UNIQUE,
        key_hash    text NOT NULL,
        label       text,
        created_at  timestamptz NOT NULL DEFAULT now(),
        revoked_at  timestamptz
      )`);
    await q.query(`CREATE INDEX api_keys_tenant_idx ON api_keys (tenant_id)`);
    await q.query(`
      CREATE TABLE kb_entries (
        tenant_id          text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        id                 text NOT NULL CHECK (length(id) BETWEEN 1 AND 128),
        question           text NOT NULL,
        similar_questions  text[] NOT NULL DEFAULT '{}',
        answer             text NOT NULL,
        tags               text[] NOT NULL DEFAULT '{}',
        created_at         timestamptz NOT NULL DEFAULT now(),
        updated_at         timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id)
      )`);
    // No foreign key to tenants: audit rows outlive configuration changes and are written in
    // batches on the hot path, where a per-row FK check buys nothing.
    await q.query(`
      CREATE TABLE audit_log (
        id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        tenant_id   text NOT NULL,
        event_id    text NOT NULL,
        kind        text NOT NULL CHECK (kind IN ('turn', 'admin', 'kb')),
        actor       text NOT NULL,
        user_id     text,
        seq         integer,
        query       text,
        answer      text,
        source      text,
        confidence  real,
        entry_id    text,
        latency_ms  integer,
        action      text,
        detail      jsonb,
        created_at  timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, event_id)
      )`);
    await q.query(`CREATE INDEX audit_log_tenant_time_idx ON audit_log (tenant_id, created_at, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_log`);
    await q.query(`DROP TABLE kb_entries`);
    await q.query(`DROP TABLE api_keys`);
    await q.query(`DROP TABLE tenants`);
  }
}
