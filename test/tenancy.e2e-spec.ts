import { describe, expect, it } from '@jest/globals';
import { EndUserTokenService } from '#auth';
import { KnowledgeService } from '#knowledge';
import { BANK_FAQ } from './support/bank-faq.js';
import { http, uniqueTenantId } from './support/api-client.js';
import { LogCapture } from './support/log-capture.js';
import { ADMIN_TOKEN } from './support/test-apps.js';
import { useApps } from './support/use-apps.js';

describe('tenants, keys, tokens and isolation', () => {
  const gatewayLogs = new LogCapture('gateway');
  const apps = useApps({ gateway: { logger: gatewayLogs.logger } });

  it('creates a tenant with defaults, returns its key once, and reads it back without secrets', async () => {
    const id = uniqueTenantId('acme');
    const created = await http<Record<string, any>>(`${apps.gateway.url}/v1/admin/tenants`, { token: ADMIN_TOKEN, body: { id, name: 'ACME Bank' } });
    expect(created.status).toBe(201);
    expect(created.body.apiKey).toMatch(/^fdk_[0-9a-f]{12}_[A-Za-z0-9_-]{32}$/);
    expect(created.body.tenant).toMatchObject({
      id,
      name: 'ACME Bank',
      status: 'active',
      config: { fallbackText: '系统繁忙,请稍后再试', answerDeadlineMs: 1500, historyTtlSec: 604800, maxTurns: 100 },
    });
    const read = await http(`${apps.gateway.url}/v1/admin/tenants/${id}`, { token: ADMIN_TOKEN });
    expect(read.status).toBe(200);
    expect(JSON.stringify(read.body)).not.toContain(created.body.apiKey);
    const keys = await http<any[]>(`${apps.gateway.url}/v1/admin/tenants/${id}/api-keys`, { token: ADMIN_TOKEN });
    expect(keys.body).toHaveLength(1);
    expect(JSON.stringify(keys.body)).not.toContain(created.body.apiKey.slice(17));

    const duplicate = await http(`${apps.gateway.url}/v1/admin/tenants`, { token: ADMIN_TOKEN, body: { id, name: 'again' } });
    expect(duplicate).toMatchObject({ status: 409, body: { code: 'TENANT_EXISTS' } });
  });

  it('validates config on write and applies changes to the next turn without a restart', async () => {
    const tenant = await apps.api.createTenant(uniqueTenantId('cfg'));
    const bad = await http(`${apps.gateway.url}/v1/admin/tenants/${tenant.id}`, { method: 'PATCH', token: ADMIN_TOKEN, body: { config: { answerDeadlineMs: 5 } } });
    expect(bad).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });

    const token = await apps.api.token(tenant.apiKey, 'u1');
    expect((await apps.api.chat(token, 'anything at all')).body).toMatchObject({ answer: '系统繁忙,请稍后再试' });
    const patched = await http(`${apps.gateway.url}/v1/admin/tenants/${tenant.id}`, { method: 'PATCH', token: ADMIN_TOKEN, body: { config: { fallbackText: '请稍候' } } });
    expect(patched.body).toMatchObject({ config: { fallbackText: '请稍候', answerDeadlineMs: 1500 } });
    expect((await apps.api.chat(token, 'anything at all')).body).toMatchObject({ source: 'fallback', answer: '请稍候' });
  });

  it('rotates and revokes API keys; a revoked key stops working at once', async () => {
    const tenant = await apps.api.createTenant(uniqueTenantId('rot'));
    const issued = await http<any>(`${apps.gateway.url}/v1/admin/tenants/${tenant.id}/api-keys`, { token: ADMIN_TOKEN, body: { label: 'second' } });
    expect(issued.status).toBe(201);
    expect(await apps.api.token(issued.body.apiKey, 'u1')).toEqual(expect.any(String));
    const keys = await http<any[]>(`${apps.gateway.url}/v1/admin/tenants/${tenant.id}/api-keys`, { token: ADMIN_TOKEN });
    const first = keys.body.find((k) => k.label === 'initial');

    const revoked = await http(`${apps.gateway.url}/v1/admin/tenants/${tenant.id}/api-keys/${first.id}`, { method: 'DELETE', token: ADMIN_TOKEN });
    expect(revoked.status).toBe(204);
    const refused = await http(`${apps.gateway.url}/v1/auth/token`, { token: tenant.apiKey, body: { userId: 'u1' } });
    expect(refused).toMatchObject({ status: 401, body: { code: 'INVALID_API_KEY' } });
    expect(await apps.api.token(issued.body.apiKey, 'u1')).toEqual(expect.any(String));

    const again = await http(`${apps.gateway.url}/v1/admin/tenants/${tenant.id}/api-keys/${first.id}`, { method: 'DELETE', token: ADMIN_TOKEN });
    expect(again).toMatchObject({ status: 404, body: { code: 'API_KEY_NOT_FOUND' } });
  });

  it('a disabled tenant is refused at once, on keys and on already issued tokens', async () => {
    const tenant = await apps.api.createTenant(uniqueTenantId('off'));
    const token = await apps.api.token(tenant.apiKey, 'u1');
    const disabled = await http(`${apps.gateway.url}/v1/admin/tenants/${tenant.id}`, { method: 'PATCH', token: ADMIN_TOKEN, body: { status: 'disabled' } });
    expect(disabled.body).toMatchObject({ status: 'disabled' });
    expect(await apps.api.chat(token, 'hello')).toMatchObject({ status: 403, body: { code: 'TENANT_DISABLED' } });
    expect(await http(`${apps.gateway.url}/v1/auth/token`, { token: tenant.apiKey, body: { userId: 'u2' } })).toMatchObject({ status: 403, body: { code: 'TENANT_DISABLED' } });
    await http(`${apps.gateway.url}/v1/admin/tenants/${tenant.id}`, { method: 'PATCH', token: ADMIN_TOKEN, body: { status: 'active' } });
    expect((await apps.api.chat(token, 'hello')).status).toBe(200);
  });

  it("never shows tenant A's conversations to tenant B", async () => {
    const a = await apps.api.createTenant(uniqueTenantId('bank-a'));
    const b = await apps.api.createTenant(uniqueTenantId('bank-b'));
    await apps.worker.app.get(KnowledgeService).upsertMany(b.id, BANK_FAQ);
    const bToken = await apps.api.token(b.apiKey, 'shared-user');
    const bTurn = await apps.api.chat(bToken, '银行卡丢了怎么挂失?');
    expect(bTurn.body).toMatchObject({ source: 'kb', entryId: 'lost-card' });
    const bAnswer = String(bTurn.body.answer);
    const aLogStart = gatewayLogs.lines.length;

    // A's key naming B's tenant is refused outright.
    const named = await http(`${apps.gateway.url}/v1/conversations/shared-user`, { token: a.apiKey, headers: { 'x-tenant-id': b.id } });
    expect(named).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    // A's key on the same user id reads A's own (empty) namespace, never B's turns.
    const viaA = await apps.api.conversation(a.apiKey, 'shared-user');
    expect(viaA.status).toBe(200);
    expect(viaA.body.turns).toEqual([]);
    // A's end-user token is not a tenant credential, and A's chat never sees B's history.
    expect((await apps.api.conversation(await apps.api.token(a.apiKey, 'shared-user'), 'shared-user')).status).toBe(401);
    const aToken = await apps.api.token(a.apiKey, 'shared-user');
    const aTurn = await apps.api.chat(aToken, '那手续费呢?');
    expect(aTurn.body).toMatchObject({ source: 'fallback', seq: 1 });
    expect(await http(`${apps.gateway.url}/v1/chat`, { token: aToken, body: { query: 'hi' }, headers: { 'x-tenant-id': b.id } })).toMatchObject({ status: 403 });

    // A token for a tenant that does not exist is a 404, not a silent empty tenant.
    const ghost = apps.gateway.app.get(EndUserTokenService).issue('no-such-tenant', 'u1').token;
    expect(await apps.api.chat(ghost, 'hello')).toMatchObject({ status: 404, body: { code: 'TENANT_NOT_FOUND' } });

    const aLines = gatewayLogs.lines.slice(aLogStart).filter((l) => l.tenantId === a.id);
    expect(aLines.length).toBeGreaterThan(0);
    const aText = JSON.stringify(aLines);
    expect(aText).not.toContain(b.id);
    expect(aText).not.toContain(bAnswer);
    expect(aText).not.toContain('银行卡丢了');
  });

  it('refuses admin routes without the admin token', async () => {
    expect(await http(`${apps.gateway.url}/v1/admin/tenants/demo`, {})).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' } });
    expect(await http(`${apps.gateway.url}/v1/admin/tenants/demo`, { token: 'wrong' })).toMatchObject({ status: 401, body: { code: 'INVALID_ADMIN_TOKEN' } });
    expect(await http(`${apps.gateway.url}/v1/admin/tenants/does-not-exist`, { token: ADMIN_TOKEN })).toMatchObject({ status: 404, body: { code: 'TENANT_NOT_FOUND' } });
  });
});
