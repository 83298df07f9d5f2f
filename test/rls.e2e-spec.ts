import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';

/**
 * Row-level security, checked on the database itself with the apps' role: isolation must not
 * depend on every query remembering a WHERE clause.
 */
describe('row-level security (as the fengda_app role)', () => {
  let owner: pg.Client;
  let app: pg.Client;

  beforeAll(async () => {
    owner = new pg.Client({ connectionString: process.env.FENGDA_TEST_DATABASE_URL });
    app = new pg.Client({ connectionString: process.env.FENGDA_TEST_APP_DATABASE_URL });
    await owner.connect();
    await app.connect();
    for (const t of ['rls-a', 'rls-b']) {
      await owner.query(`INSERT INTO tenants (id, name) VALUES ($1, $1) ON CONFLICT DO NOTHING`, [t]);
      await owner.query(
        `INSERT INTO kb_entries (tenant_id, id, question, answer) VALUES ($1, 'secret', $2, $3) ON CONFLICT DO NOTHING`,
        [t, `question of ${t}`, `answer of ${t}`],
      );
      await owner.query(
        `INSERT INTO audit_log (tenant_id, event_id, kind, actor) VALUES ($1, 'e1', 'admin', 'admin') ON CONFLICT DO NOTHING`,
        [t],
      );
    }
  });

  afterAll(async () => {
    await app?.end();
    await owner?.end();
  });

  /** Runs statements in one transaction as the app role, with the tenant set transaction-locally. */
  const asTenant = async <T>(tenant: string | null, work: () => Promise<T>): Promise<T> => {
    await app.query('BEGIN');
    try {
      if (tenant) await app.query(`SELECT set_config('fengda.tenant_id', $1, true)`, [tenant]);
      return await work();
    } finally {
      await app.query('ROLLBACK');
    }
  };

  it('the app role is not a superuser, cannot bypass RLS and owns no table', async () => {
    const role = await owner.query(`SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = 'fengda_app'`);
    expect(role.rows).toEqual([{ rolsuper: false, rolbypassrls: false }]);
    const owned = await owner.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tableowner = 'fengda_app'`);
    expect(owned.rows).toEqual([]);
    const forced = await owner.query(
      `SELECT relname FROM pg_class WHERE relname IN ('tenants','api_keys','kb_entries','audit_log') AND relrowsecurity AND relforcerowsecurity ORDER BY relname`,
    );
    expect(forced.rows.map((r) => r.relname)).toEqual(['api_keys', 'audit_log', 'kb_entries', 'tenants']);
  });

  it('with no tenant set, every tenant-owned table reads empty', async () => {
    await asTenant(null, async () => {
      for (const table of ['tenants', 'api_keys', 'kb_entries', 'audit_log']) {
        expect((await app.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n).toBe(0);
      }
    });
  });

  it("with tenant A set, B's rows can be neither read nor written", async () => {
    await asTenant('rls-a', async () => {
      const visible = await app.query(`SELECT tenant_id, answer FROM kb_entries ORDER BY tenant_id`);
      expect(visible.rows).toEqual([{ tenant_id: 'rls-a', answer: 'answer of rls-a' }]);
      expect((await app.query(`SELECT * FROM kb_entries WHERE tenant_id = 'rls-b'`)).rowCount).toBe(0);
      expect((await app.query(`UPDATE kb_entries SET answer = 'pwned' WHERE tenant_id = 'rls-b'`)).rowCount).toBe(0);
      expect((await app.query(`DELETE FROM audit_log WHERE tenant_id = 'rls-b'`)).rowCount).toBe(0);
      expect((await app.query(`SELECT id FROM tenants`)).rows).toEqual([{ id: 'rls-a' }]);
    });
    await asTenant('rls-a', async () => {
      await expect(app.query(`INSERT INTO kb_entries (tenant_id, id, question, answer) VALUES ('rls-b', 'planted', 'q', 'a')`)).rejects.toThrow(/row-level security/);
    });
    const untouched = await owner.query(`SELECT answer FROM kb_entries WHERE tenant_id = 'rls-b'`);
    expect(untouched.rows).toEqual([{ answer: 'answer of rls-b' }]);
  });

  it('the tenant setting is transaction-local: it does not survive on a pooled connection', async () => {
    await asTenant('rls-a', async () => expect((await app.query(`SELECT count(*)::int AS n FROM kb_entries`)).rows[0].n).toBe(1));
    expect((await app.query(`SELECT count(*)::int AS n FROM kb_entries`)).rows[0].n).toBe(0);
  });
});
