import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EndUserTokenService } from '#auth';
import { KnowledgeService } from '#knowledge';
import { BANK_FAQ } from './support/bank-faq.js';
import { FengdaClient, http, uniqueTenantId } from './support/api-client.js';
import { LogCapture } from './support/log-capture.js';
import { ADMIN_TOKEN, startGateway, startWorker, type RunningApp } from './support/test-apps.js';

describe('tenants, keys, tokens and isolation', () => {
  const gatewayLogs = new LogCapture('gateway');
  let gateway: RunningApp;
  let worker: RunningApp;
  let api: FengdaClient;

  beforeAll(async () => {
    gateway = await startGateway({ logger: gatewayLogs.logger });
    worker = await startWorker();
    api = new FengdaClient(gateway.url);
  });

  afterAll(async () => {
    await gateway?.close();
    await worker?.close();
  });

  it('creates a tenant with defaults, returns its key once, and reads it back without secrets', async () => {
    const id = uniqueTenantId('acme');
    const created = await http<Record<string, any>>(`${gateway.url}/v1/admin/tenants`, { token: ADMIN_TOKEN, body: { id, name: 'ACME Bank' } });
    expect(created.status).toBe(201);
    expect(created.body.apiKey).toMatch(/^fdk_[0-9a-f]{12}_[A-Za-z0-9_-]{32}$/);
    expect(created.body.tenant).toMatchObject({
      id,
      name: 'ACME Bank',
      status: 'active',
      config: { fallbackText: '系统繁忙,请稍后再试', answerDeadlineMs: 1500, historyTtlSec: 604800, maxTurns: 100 },
    });
    const read = await http(`${gateway.url}/v1/admin/tenants/${id}`, { token: ADMIN_TOKEN });
    expect(read.status).toBe(200);
    expect(JSON.stringify(read.body)).not.toContain(created.body.apiKey);
    const keys = await http<any[]>(`${gateway.url}/v1/admin/tenants/${id}/api-keys`, { token: ADMIN_TOKEN });
    expect(keys.body).toHaveLength(1);
    expect(JSON.stringify(keys.body)).not.toContain(created.body.apiKey.slice(17));

    const duplicate = await http(`${gateway.url}/v1/admin/tenants`, { token: ADMIN_TOKEN, body: { id, name: 'again' } });
    expect(duplicate).toMatchObject({ status: 409, body: { code: 'TENANT_EXISTS' } });
  });

  it('validates config on write and applies changes to the next turn without a restart', async () => {
    const tenant = await api.createTenant(uniqueTenantId('cfg'));
    const bad = await http(`${gateway.url}/v1/admin/tenants/${tenant.id}`, { method: 'PATCH', token: ADMIN_TOKEN, body: { config: { answerDeadlineMs: 5 } } });
    expect(bad).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });

    const token = await api.token(tenant.apiKey, 'u1');
    expect((await api.chat(token, 'anything at all')).body).toMatchObject({ answer: '系统繁忙,请稍后再试' });
    const patched = await http(`${gateway.url}/v1/admin/tenants/${tenant.id}`, { method: 'PATCH', token: ADMIN_TOKEN, body: { config: { fallbackText: '请稍候' } } });
    expect(patched.body).toMatchObject({ config: { fallbackText: '请稍候', answerDeadlineMs: 1500 } });
    expect((await api.chat(token, 'anything at all')).body).toMatchObject({ source: 'fallback', answer: '请稍候' });
  });

  it('rotates and revokes API keys; a revoked key stops working at once', async () => {
    const tenant = await api.createTenant(uniqueTenantId('rot'));
    const issued = await http<any>(`${gateway.url}/v1/admin/tenants/${tenant.id}/api-keys`, { token: ADMIN_TOKEN, body: { label: 'second' } });
    expect(issued.status).toBe(201);
    expect(await api.token(issued.body.apiKey, 'u1')).toEqual(expect.any(String));
    const keys = await http<any[]>(`${gateway.url}/v1/admin/tenants/${tenant.id}/api-keys`, { token: ADMIN_TOKEN });
    const first = keys.body.find((k) => k.label === 'initial');

    const revoked = await http(`${gateway.url}/v1/admin/tenants/${tenant.id}/api-keys/${first.id}`, { method: 'DELETE', token: ADMIN_TOKEN });
    expect(revoked.status).toBe(204);
    const refused = await http(`${gateway.url}/v1/auth/token`, { token: tenant.apiKey, body: { userId: 'u1' } });
    expect(refused).toMatchObject({ status: 401, body: { code: 'INVALID_API_KEY' } });
    expect(await api.token(issued.body.apiKey, 'u1')).toEqual(expect.any(String));

    const again = await http(`${gateway.url}/v1/admin/tenants/${tenant.id}/api-keys/${first.id}`, { method: 'DELETE', token: ADMIN_TOKEN });
    expect(again).toMatchObject({ status: 404, body: { code: 'API_KEY_NOT_FOUND' } });
  });

  it('a disabled tenant is refused at once, on keys and on already issued tokens', async () => {
    const tenant = await api.createTenant(uniqueTenantId('off'));
    const token = await api.token(tenant.apiKey, 'u1');
    const disabled = await http(`${gateway.url}/v1/admin/tenants/${tenant.id}`, { method: 'PATCH', token: ADMIN_TOKEN, body: { status: 'disabled' } });
    expect(disabled.body).toMatchObject({ status: 'disabled' });
    expect(await api.chat(token, 'hello')).toMatchObject({ status: 403, body: { code: 'TENANT_DISABLED' } });
    expect(await http(`${gateway.url}/v1/auth/token`, { token: tenant.apiKey, body: { userId: 'u2' } })).toMatchObject({ status: 403, body: { code: 'TENANT_DISABLED' } });
    await http(`${gateway.url}/v1/admin/tenants/${tenant.id}`, { method: 'PATCH', token: ADMIN_TOKEN, body: { status: 'active' } });
    expect((await api.chat(token, 'hello')).status).toBe(200);
  });

  it("never shows tenant A's conversations to tenant B", async () => {
    const a = await api.createTenant(uniqueTenantId('bank-a'));
    const b = await api.createTenant(uniqueTenantId('bank-b'));
    await worker.app.get(KnowledgeService).upsertMany(b.id, BANK_FAQ);
    const bToken = await api.token(b.apiKey, 'shared-user');
    const bTurn = await api.chat(bToken, '银行卡丢了怎么挂失?');
    expect(bTurn.body).toMatchObject({ source: 'kb', entryId: 'lost-card' });
    const bAnswer = String(bTurn.body.answer);
    const aLogStart = gatewayLogs.lines.length;

    // A's key naming B's tenant is refused outright.
    const named = await http(`${gateway.url}/v1/conversations/shared-user`, { token: a.apiKey, headers: { 'x-tenant-id': b.id } });
    expect(named).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    // A's key on the same user id reads A's own (empty) namespace, never B's turns.
    const viaA = await api.conversation(a.apiKey, 'shared-user');
    expect(viaA.status).toBe(200);
    expect(viaA.body.turns).toEqual([]);
    // A's end-user token is not a tenant credential, and A's chat never sees B's history.
    expect((await api.conversation(await api.token(a.apiKey, 'shared-user'), 'shared-user')).status).toBe(401);
    const aToken = await api.token(a.apiKey, 'shared-user');
    const aTurn = await api.chat(aToken, '那手续费呢?');
    expect(aTurn.body).toMatchObject({ source: 'fallback', seq: 1 });
    expect(await http(`${gateway.url}/v1/chat`, { token: aToken, body: { query: 'hi' }, headers: { 'x-tenant-id': b.id } })).toMatchObject({ status: 403 });

    // A token for a tenant that does not exist is a 404, not a silent empty tenant.
    const ghost = gateway.app.get(EndUserTokenService).issue('no-such-tenant', 'u1').token;
    expect(await api.chat(ghost, 'hello')).toMatchObject({ status: 404, body: { code: 'TENANT_NOT_FOUND' } });

    const aLines = gatewayLogs.lines.slice(aLogStart).filter((l) => l.tenantId === a.id);
    expect(aLines.length).toBeGreaterThan(0);
    const aText = JSON.stringify(aLines);
    expect(aText).not.toContain(b.id);
    expect(aText).not.toContain(bAnswer);
    expect(aText).not.toContain('银行卡丢了');
  });

  it('refuses admin routes without the admin token', async () => {
    expect(await http(`${gateway.url}/v1/admin/tenants/demo`, {})).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' } });
    expect(await http(`${gateway.url}/v1/admin/tenants/demo`, { token: 'wrong' })).toMatchObject({ status: 401, body: { code: 'INVALID_ADMIN_TOKEN' } });
    expect(await http(`${gateway.url}/v1/admin/tenants/does-not-exist`, { token: ADMIN_TOKEN })).toMatchObject({ status: 404, body: { code: 'TENANT_NOT_FOUND' } });
  });
});
