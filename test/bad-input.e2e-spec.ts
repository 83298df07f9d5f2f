import { beforeAll, describe, expect, it } from '@jest/globals';
import { http, uniqueTenantId } from './support/api-client.js';
import { ADMIN_TOKEN } from './support/test-apps.js';
import { useApps } from './support/use-apps.js';

describe('bad input gets a clear 4xx JSON error, never a 500', () => {
  const apps = useApps();
  let tenant: { id: string; apiKey: string };
  let token: string;

  beforeAll(async () => {
    tenant = await apps.api.createTenant(uniqueTenantId('strict'));
    token = await apps.api.token(tenant.apiKey, 'careful-user');
    expect((await apps.api.chat(token, 'first question')).status).toBe(200);
  });

  const chat = (init: Parameters<typeof http>[1]) => http(`${apps.gateway.url}/v1/chat`, { token, ...init });

  const cases: [string, () => ReturnType<typeof http>, number, string][] = [
    ['no token', () => http(`${apps.gateway.url}/v1/chat`, { body: { query: 'hi' } }), 401, 'UNAUTHENTICATED'],
    ['garbage token', () => http(`${apps.gateway.url}/v1/chat`, { token: 'not.a.jwt', body: { query: 'hi' } }), 401, 'INVALID_TOKEN'],
    ['an API key where a user token belongs', () => http(`${apps.gateway.url}/v1/chat`, { token: tenant.apiKey, body: { query: 'hi' } }), 401, 'INVALID_TOKEN'],
    ['malformed JSON', () => chat({ raw: '{"query": "hi",' }), 400, 'INVALID_JSON'],
    ['empty JSON body', () => chat({ raw: '' }), 400, 'INVALID_JSON'],
    ['query of the wrong type', () => chat({ body: { query: 12345 } }), 400, 'VALIDATION_FAILED'],
    ['missing query', () => chat({ body: {} }), 400, 'VALIDATION_FAILED'],
    ['blank query', () => chat({ body: { query: '   ' } }), 400, 'VALIDATION_FAILED'],
    ['query over 2,000 characters', () => chat({ body: { query: 'x'.repeat(2001) } }), 400, 'VALIDATION_FAILED'],
    ['unknown field', () => chat({ body: { query: 'hi', admin: true } }), 400, 'VALIDATION_FAILED'],
    ['array body', () => chat({ body: [{ query: 'hi' }] }), 400, 'VALIDATION_FAILED'],
    ['null body', () => chat({ raw: 'null' }), 400, 'VALIDATION_FAILED'],
    ['bad clientMsgId', () => chat({ body: { query: 'hi', clientMsgId: 'a b {c}' } }), 400, 'VALIDATION_FAILED'],
    ['__proto__ key', () => chat({ raw: '{"query":"hi","__proto__":{"polluted":true}}' }), 400, 'INVALID_JSON'],
    ['constructor.prototype key', () => chat({ raw: '{"query":"hi","constructor":{"prototype":{"polluted":true}}}' }), 400, 'INVALID_JSON'],
    ['deeply nested body', () => chat({ raw: `{"query":"hi","x":${'['.repeat(5000)}${']'.repeat(5000)}}` }), 400, 'VALIDATION_FAILED'],
    ['body over the size limit', () => chat({ body: { query: 'x'.repeat(200_000) } }), 413, 'PAYLOAD_TOO_LARGE'],
    ['wrong content type', () => chat({ raw: '<query>hi</query>', headers: { 'content-type': 'application/xml' } }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['bad userId for a token', () => http(`${apps.gateway.url}/v1/auth/token`, { token: tenant.apiKey, body: { userId: 'has space' } }), 400, 'VALIDATION_FAILED'],
    ['malformed API key', () => http(`${apps.gateway.url}/v1/auth/token`, { token: 'fdk_nope', body: { userId: 'u' } }), 401, 'INVALID_API_KEY'],
    ['bad user id in a path', () => http(`${apps.gateway.url}/v1/conversations/${encodeURIComponent('a{b}')}`, { token: tenant.apiKey }), 400, 'VALIDATION_FAILED'],
    ['tenant id that is not a slug', () => http(`${apps.gateway.url}/v1/admin/tenants`, { token: ADMIN_TOKEN, body: { id: 'Bad_ID!', name: 'x' } }), 400, 'VALIDATION_FAILED'],
    ['unknown config key', () => http(`${apps.gateway.url}/v1/admin/tenants`, { token: ADMIN_TOKEN, body: { id: uniqueTenantId('x'), name: 'x', config: { sneaky: 1 } } }), 400, 'VALIDATION_FAILED'],
    ['key id that is not a UUID', () => http(`${apps.gateway.url}/v1/admin/tenants/${tenant.id}/api-keys/1%27%20OR%201=1`, { method: 'DELETE', token: ADMIN_TOKEN }), 400, 'VALIDATION_FAILED'],
    ['unknown route', () => http(`${apps.gateway.url}/v1/nope`, {}), 404, 'NOT_FOUND'],
  ];

  it.each(cases)('%s', async (_name, send, status, code) => {
    const res = await send();
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject({ statusCode: status, code, message: expect.any(String) });
  });

  it('stores SQL and Redis injection strings as plain text', async () => {
    const nasty = `'; DROP TABLE tenants; -- \r\nFLUSHALL\r\n*1\r\n$8\r\nFLUSHALL\r\n {t:other:u:x}`;
    const other = await apps.api.token(tenant.apiKey, 'injector');
    expect((await apps.api.chat(other, nasty)).status).toBe(200);
    const { body } = await apps.api.conversation(tenant.apiKey, 'injector');
    expect(body.turns[0]).toMatchObject({ query: nasty });
    const admin = await http(`${apps.gateway.url}/v1/admin/tenants/${tenant.id}`, { token: ADMIN_TOKEN });
    expect(admin.status).toBe(200);
  });

  // Last, after the barrage: nothing stored before it was lost.
  it('lost nothing stored before the barrage', async () => {
    const { body } = await apps.api.conversation(tenant.apiKey, 'careful-user');
    expect(body.turns).toHaveLength(1);
  });
});
