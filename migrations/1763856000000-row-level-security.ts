import type { MigrationInterface, QueryRunner } from 'typeorm';

const TENANT_TABLES = ['api_keys', 'kb_entries', 'audit_log'] as const;

/**
 * Row-level security: the apps connect as `fengda_app`, a login role that is not a superuser,
 * cannot bypass RLS and owns nothing. Every tenant-owned table only shows and accepts rows
 * whose tenant equals the transaction-local setting `fengda.tenant_id`; with no tenant set, a
 * query sees nothing. The few operations that must cross tenants (finding an API key by its
 * prefix, listing tenants for maintenance) go through narrow SECURITY DEFINER functions.
 */
export class RowLevelSecurity1763856000000 implements MigrationInterface {
  name = 'RowLevelSecurity1763856000000';

  async up(q: QueryRunner): Promise<void> {
    // Roles are cluster-wide: another database on the same server may have created it already.
    await q.query(`
      DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'fengda_app') THEN
          CREATE ROLE fengda_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
        END IF;
      END $$`);
    await q.query(`DO $$ BEGIN EXECUTE format('GRANT CONNECT ON DATABASE %I TO fengda_app', current_database()); END $$`);
    await q.query(`GRANT USAGE ON SCHEMA public TO fengda_app`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON tenants, api_keys, kb_entries, audit_log TO fengda_app`);
    await q.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO fengda_app`);

    const current = `NULLIF(current_setting('fengda.tenant_id', true), '')`;
    await q.query(`ALTER TABLE tenants ENABLE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE tenants FORCE ROW LEVEL SECURITY`);
    await q.query(`CREATE POLICY tenant_isolation ON tenants USING (id = ${current}) WITH CHECK (id = ${current})`);
    for (const table of TENANT_TABLES) {
      await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await q.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
      await q.query(`CREATE POLICY tenant_isolation ON ${table} USING (tenant_id = ${current}) WITH CHECK (tenant_id = ${current})`);
    }

    // An API key names its tenant only after it is looked up: the lookup by prefix is the one
    // read that has to see every tenant's keys, and it returns just what authentication needs.
    await q.query(`
      CREATE FUNCTION fengda_find_api_key(key_prefix text)
      RETURNS TABLE (id uuid, tenant_id text, key_hash text)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
        SELECT k.id, k.tenant_id, k.key_hash FROM api_keys k WHERE k.prefix = key_prefix AND k.revoked_at IS NULL
      $$`);
    // The audit retention sweep walks all tenants: ids and their retention setting, nothing else.
    await q.query(`
      CREATE FUNCTION fengda_audit_retention()
      RETURNS TABLE (tenant_id text, days jsonb)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
        SELECT t.id, t.config->'auditRetentionDays' FROM tenants t ORDER BY t.id
      $$`);
    await q.query(`REVOKE ALL ON FUNCTION fengda_find_api_key(text), fengda_audit_retention() FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION fengda_find_api_key(text), fengda_audit_retention() TO fengda_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION fengda_audit_retention()`);
    await q.query(`DROP FUNCTION fengda_find_api_key(text)`);
    for (const table of ['tenants', ...TENANT_TABLES]) {
      await q.query(`DROP POLICY tenant_isolation ON ${table}`);
      await q.query(`ALTER TABLE ${table} NO FORCE ROW LEVEL SECURITY`);
      await q.query(`ALTER TABLE ${table} DISABLE ROW LEVEL SECURITY`);
    }
    await q.query(`REVOKE ALL ON tenants, api_keys, kb_entries, audit_log FROM fengda_app`);
    await q.query(`DO $$ BEGIN EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM fengda_app', current_database()); END $$`);
  }
}
