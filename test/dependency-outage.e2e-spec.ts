import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { KnowledgeService } from '#knowledge';
import { BANK_FAQ } from './support/bank-faq.js';
import { FengdaClient, http, uniqueTenantId } from './support/api-client.js';
import { CuttableProxy } from './support/cuttable-proxy.js';
import { GATEWAY_ROUTES, routeKey } from './support/route-catalog.js';
import { ADMIN_TOKEN, startGateway, startWorker, type RunningApp } from './support/test-apps.js';

/** A well-formed request for each body-taking route, so that the request gets as far as the dependency. */
const VALID_BODIES: Record<string, () => unknown> = {
  'POST /v1/admin/tenants': () => ({ id: uniqueTenantId('outage-new'), name: 'New tenant' }),
  'PATCH /v1/admin/tenants/:id': () => ({ name: 'Renamed' }),
  'POST /v1/admin/tenants/:id/api-keys': () => ({ label: 'outage' }),
  'POST /v1/auth/token': () => ({ userId: 'sweep-user' }),
  'POST /v1/auth/revoke': () => ({ userId: 'sweep-user' }),
  'POST /v1/kb/entries': () => ({ id: 'sweep-entry', question: 'Sweep question?', answer: 'Sweep answer.' }),
  'PUT /v1/kb/entries/:id': () => ({ question: 'Sweep question?', answer: 'Sweep answer.' }),
  'POST /v1/chat/completions': () => ({ model: 'fengda', user: 'sweep-user', messages: [{ role: 'user', content: 'hello' }] }),
  'POST /v1/chat': () => ({ query: 'hello' }),
  'POST /v1/chat/stream': () => ({ query: 'hello' }),
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** A request that takes longer than this while a dependency is down counts as hanging. */
const HANG_MS = 5_000;

/**
 * Every HTTP route of the gateway, well formed and with its credential, while a dependency is cut off: none may answer
 * a 500 or hang (a 503 is the only 5xx allowed, and from Fengda's own routes it carries a code).
 */
const sweepEveryRoute = async (gatewayUrl: string, credentials: { apiKey: string; endUser: string; tenantId: string }): Promise<string[]> => {
  const faults: string[] = [];
  for (const route of GATEWAY_ROUTES.filter((r) => r.transport !== 'websocket')) {
    const path = (route.family ? (route.path === '/admin/queues' ? '/admin/queues/api/queues' : route.path) : route.path)
      .replace(':id/api-keys/:keyId', `${credentials.tenantId}/api-keys/00000000-0000-4000-8000-000000000000`)
      .replace('/tenants/:id', `/tenants/${credentials.tenantId}`)
      .replace('/entries/:id', '/entries/sweep-entry')
      .replace(':userId', 'sweep-user');
    const token = { admin: ADMIN_TOKEN, apiKey: credentials.apiKey, endUser: credentials.endUser, none: undefined }[route.credential];
    const body = VALID_BODIES[routeKey(route.method, route.path)]?.();
    const init =
      route.body === 'text'
        ? { method: route.method, token, raw: '{"id":"sweep-import","question":"Q?","answer":"A."}\n', headers: { 'content-type': 'application/x-ndjson' } }
        : { method: route.method, token, body };
    const res = await Promise.race([http(`${gatewayUrl}${path}`, init), sleep(HANG_MS).then(() => null)]);
    if (!res) {
      faults.push(`${route.method} ${path}: no answer within ${HANG_MS} ms`);
      continue;
    }
    const coded = typeof (res.body as { code?: unknown })?.code === 'string' || path.startsWith('/health');
    if (res.status >= 500 && (res.status !== 503 || !coded)) faults.push(`${route.method} ${path}: ${res.status} ${JSON.stringify(res.body).slice(0, 120)}`);
  }
  return faults;
};

/**
 * The gateway with Postgres cut off (through a proxy; the worker keeps its own connection). Chat must go on for the
 * customers and sessions the gateway knows, and whatever needs Postgres must be refused with a 503 to retry, never a
 * 500.
 */
describe('the gateway while Postgres is unreachable', () => {
  let proxy: CuttableProxy;
  let gateway: RunningApp;
  let worker: RunningApp;
  let api: FengdaClient;
  let known: { id: string; apiKey: string };
  let unseen: { id: string; apiKey: string };

  beforeAll(async () => {
    let viaProxy: string;
    ({ proxy, url: viaProxy } = await CuttableProxy.inFrontOf(process.env.FENGDA_TEST_DATABASE_URL!, 5432));
    gateway = await startGateway({ env: { DATABASE_URL: viaProxy } });
    worker = await startWorker();
    api = new FengdaClient(gateway.url);
    known = await api.createTenant(uniqueTenantId('pg-known'));
    unseen = await api.createTenant(uniqueTenantId('pg-unseen'));
    await worker.app.get(KnowledgeService).upsertMany(known.id, BANK_FAQ);
  });

  afterAll(async () => {
    proxy?.restore();
    await gateway?.close();
    await worker?.close();
    await proxy?.stop();
  });

  it('keeps answering known customers, and refuses what needs Postgres with a 503 to retry, on every route', async () => {
    const before = await api.token(known.apiKey, 'pg-user');
    expect((await api.chat(before, '银行卡丢了怎么挂失?')).status).toBe(200);

    proxy.sever();
    // A session that started before, and a new session of a key the gateway has verified: chat goes on.
    const chat = await api.chat(before, '信用卡账单可以分期吗?');
    expect(chat.status).toBe(200);
    expect(chat.body).toMatchObject({ source: 'kb' });
    const during = await api.token(known.apiKey, 'pg-user-2');
    expect((await api.chat(during, '银行卡丢了怎么挂失?')).status).toBe(200);

    // A key never seen by this gateway, and the knowledge-base API, need Postgres: 503 with a code and Retry-After.
    const token = await http(`${gateway.url}/v1/auth/token`, { token: unseen.apiKey, body: { userId: 'u' } });
    expect(token.status).toBe(503);
    expect(token.body).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE' });
    expect(token.headers.get('retry-after')).toBe('2');
    const entries = await http(`${gateway.url}/v1/kb/entries`, { token: known.apiKey });
    expect(entries.status).toBe(503);
    expect(entries.body).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE' });

    expect(await sweepEveryRoute(gateway.url, { apiKey: known.apiKey, endUser: before, tenantId: known.id })).toEqual([]);

    proxy.restore();
    let after = await http(`${gateway.url}/v1/kb/entries`, { token: known.apiKey });
    for (let i = 0; i < 50 && after.status !== 200; i++) {
      await sleep(100);
      after = await http(`${gateway.url}/v1/kb/entries`, { token: known.apiKey });
    }
    expect(after.status).toBe(200);
    expect((await http(`${gateway.url}/v1/auth/token`, { token: unseen.apiKey, body: { userId: 'u' } })).status).toBe(200);
  }, 60_000);
});

/** The gateway with Redis cut off (through a proxy): the routes that need it answer a 503 to retry, never a 500. */
describe('the gateway while Redis is unreachable', () => {
  let proxy: CuttableProxy;
  let gateway: RunningApp;
  let worker: RunningApp;
  let api: FengdaClient;

  beforeAll(async () => {
    let viaProxy: string;
    ({ proxy, url: viaProxy } = await CuttableProxy.inFrontOf(process.env.FENGDA_TEST_REDIS_URL!, 6379));
    gateway = await startGateway({ env: { REDIS_URL: viaProxy } });
    worker = await startWorker();
    api = new FengdaClient(gateway.url);
  });

  afterAll(async () => {
    proxy?.restore();
    await gateway?.close();
    await worker?.close();
    await proxy?.stop();
  });

  it('refuses chat, conversations and revocation with a 503 and Retry-After (no route answers a 500), and serves them again once Redis is back', async () => {
    const tenant = await api.createTenant(uniqueTenantId('redis-out'));
    const token = await api.token(tenant.apiKey, 'r-user');
    expect((await api.chat(token, 'hello')).status).toBe(200);

    proxy.sever();
    const refused = [
      await http(`${gateway.url}/v1/chat`, { token, body: { query: 'hello again' } }),
      await http(`${gateway.url}/v1/conversations/r-user`, { token: tenant.apiKey }),
      await http(`${gateway.url}/v1/conversations/r-user`, { token: tenant.apiKey, method: 'DELETE' }),
      await http(`${gateway.url}/v1/auth/revoke`, { token: tenant.apiKey, body: { userId: 'r-user' } }),
    ];
    for (const res of refused) {
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE' });
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }

    expect(await sweepEveryRoute(gateway.url, { apiKey: tenant.apiKey, endUser: token, tenantId: tenant.id })).toEqual([]);

    proxy.restore();
    let after = await http<{ turns: unknown[] }>(`${gateway.url}/v1/conversations/r-user`, { token: tenant.apiKey });
    for (let i = 0; i < 100 && after.status !== 200; i++) {
      await sleep(100);
      after = await http<{ turns: unknown[] }>(`${gateway.url}/v1/conversations/r-user`, { token: tenant.apiKey });
    }
    expect(after.status).toBe(200);
    // Nothing stored before the outage was lost.
    expect(after.body.turns).toHaveLength(1);
  }, 60_000);
});
