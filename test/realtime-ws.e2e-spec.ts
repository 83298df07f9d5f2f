import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EndUserTokenService } from '#auth';
import { Clock, SystemClock } from '#common';
import { KnowledgeService } from '#knowledge';
import { ADMIN_TOKEN, startGateway, startWorker, testConfig, type RunningApp } from './support/test-apps.js';
import { FengdaClient, http, uniqueTenantId } from './support/api-client.js';
import { BANK_FAQ } from './support/bank-faq.js';
import { WsTestClient, type Frame } from './support/ws-client.js';

// These tests are about the channel, not the deadline: a first turn on a busy machine may be slow.
const ROOMY = { answerDeadlineMs: 10_000 };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

class PastClock extends Clock {
  now(): number {
    return Date.now() - 3_600_000;
  }
}

describe('WebSocket chat (GET /v1/ws), end to end', () => {
  let gateway: RunningApp;
  let worker: RunningApp;
  let api: FengdaClient;
  let tenant: { id: string; apiKey: string };
  const open: WsTestClient[] = [];

  /** A connected client, closed after the suite. */
  const connect = async (options: Parameters<typeof WsTestClient.connect>[1], base = gateway.url): Promise<WsTestClient> => {
    const client = await WsTestClient.connect(base, options);
    open.push(client);
    return client;
  };

  beforeAll(async () => {
    gateway = await startGateway();
    worker = await startWorker();
    api = new FengdaClient(gateway.url);
    tenant = await api.createTenant(uniqueTenantId('ws-bank'), ROOMY);
    await worker.app.get(KnowledgeService).upsertMany(tenant.id, BANK_FAQ);
  });

  afterAll(async () => {
    await Promise.all(open.map((c) => c.close()));
    await gateway?.close();
    await worker?.close();
  });

  it('authenticates by ?token= and streams delta(s) before the answer, which is stored', async () => {
    const client = await connect({ token: await api.token(tenant.apiKey, 'ws-alice') });
    expect(await client.nextOf('ready')).toMatchObject({ userId: 'ws-alice', expiresAt: expect.any(String) });

    const { deltas, final, all } = await client.ask('信用卡账单可以分期吗?', 'm-1');
    expect(final).toMatchObject({ type: 'answer', clientMsgId: 'm-1', source: 'kb', entryId: 'card-instalment', seq: 1 });
    expect(final.answer).toContain('12期');
    expect(deltas.length).toBeGreaterThanOrEqual(1);
    expect(all.findIndex((f) => f.type === 'answer')).toBe(all.length - 1);
    expect(deltas.map((d) => d.text).join('')).toBe(final.answer);

    const { body } = await api.conversation(tenant.apiKey, 'ws-alice');
    expect(body.turns).toEqual([expect.objectContaining({ seq: 1, clientMsgId: 'm-1', source: 'kb' })]);

    const openSockets = async (): Promise<number> => Number(/^fengda_websocket_connections (\d+)$/m.exec(await (await fetch(`${gateway.url}/metrics`)).text())?.[1]);
    const before = await openSockets();
    expect(before).toBeGreaterThanOrEqual(1);
    await client.close();
    await sleep(50);
    expect(await openSockets()).toBe(before - 1);
  });

  it('authenticates by a first {type:"auth"} frame', async () => {
    const client = await connect({});
    client.send({ type: 'auth', token: await api.token(tenant.apiKey, 'ws-bob') });
    expect(await client.nextOf('ready')).toMatchObject({ userId: 'ws-bob' });
    const { final } = await client.ask('What are your branch opening hours?', 'b-1');
    expect(final).toMatchObject({ type: 'answer', source: 'kb', entryId: 'branch-hours' });
  });

  it('answers bad frames with an error and keeps the socket usable', async () => {
    const client = await connect({ token: await api.token(tenant.apiKey, 'ws-carol') });
    await client.nextOf('ready');

    client.sendRaw('{not json');
    expect(await client.nextOf('error')).toMatchObject({ code: 'INVALID_JSON' });
    client.send({ type: 'dance' });
    expect(await client.nextOf('error')).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('dance') });
    client.send({ type: 'message', clientMsgId: 'no-query' });
    expect(await client.nextOf('error')).toMatchObject({ code: 'VALIDATION_FAILED', clientMsgId: 'no-query', details: { fields: { query: expect.any(Array) } } });
    client.send({ type: 'message', query: 'x'.repeat(2001), clientMsgId: 'too-long' });
    expect(await client.nextOf('error')).toMatchObject({ code: 'VALIDATION_FAILED', clientMsgId: 'too-long' });
    client.send({ type: 'message', query: 'hi', clientMsgId: 'bad id with spaces' });
    expect(await client.nextOf('error')).toMatchObject({ code: 'VALIDATION_FAILED', details: { fields: { clientMsgId: expect.any(Array) } } });
    client.send({ type: 'message', query: 'hi', clientMsgId: 'extra', admin: true });
    expect(await client.nextOf('error')).toMatchObject({ code: 'VALIDATION_FAILED', clientMsgId: 'extra' });
    client.sendRaw(Buffer.from('binary'), true);
    expect(await client.nextOf('error')).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('binary') });
    client.send({ type: 'ping' });
    expect(await client.nextOf('pong')).toEqual({ type: 'pong' });

    const { final } = await client.ask('银行卡丢了怎么挂失?', 'after-errors');
    expect(final).toMatchObject({ type: 'answer', entryId: 'lost-card' });
  });

  it('closes the socket with 1009 on a frame over the size limit', async () => {
    const client = await connect({ token: await api.token(tenant.apiKey, 'ws-dave') });
    await client.nextOf('ready');
    client.send({ type: 'message', query: '啊'.repeat(6000), clientMsgId: 'huge' }); // ~18 KB of UTF-8
    expect((await client.closed).code).toBe(1009);
  });

  it('rate-limits frames per socket and says when to retry', async () => {
    const client = await connect({ token: await api.token(tenant.apiKey, 'ws-erin') });
    await client.nextOf('ready');
    for (let i = 0; i < 12; i++) client.send({ type: 'ping' });
    const pongs = await Promise.all(Array.from({ length: 10 }, () => client.nextOf('pong')));
    expect(pongs).toHaveLength(10);
    const limited = [await client.nextOf('error'), await client.nextOf('error')];
    for (const error of limited) expect(error).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterMs: expect.any(Number) } });
    expect(client.frames.filter((f) => f.type === 'pong')).toHaveLength(10);
    // A new socket has its own budget.
    const fresh = await connect({ token: await api.token(tenant.apiKey, 'ws-erin') });
    await fresh.nextOf('ready');
    expect((await fresh.ask('跨行转账收费吗?', 'fresh-1')).final).toMatchObject({ type: 'answer', entryId: 'transfer-fee' });
  });

  it('resumes after a reconnect: the missed turns are replayed from history', async () => {
    const userId = 'ws-frank';
    const first = await connect({ token: await api.token(tenant.apiKey, userId) });
    await first.nextOf('ready');
    expect((await first.ask('信用卡账单可以分期吗?', 'r-1')).final.seq).toBe(1);
    expect((await first.ask('那手续费呢?', 'r-2')).final.seq).toBe(2);
    await first.close();

    // While the client is away, its conversation goes on elsewhere (another device, REST).
    const token = await api.token(tenant.apiKey, userId);
    expect((await api.chat(token, '银行卡丢了怎么挂失?', 'r-3')).body).toMatchObject({ seq: 3 });

    const again = await connect({ token, lastSeq: 2 });
    await again.nextOf('ready');
    const replayed = await again.nextOf('answer');
    expect(replayed).toMatchObject({ replay: true, seq: 3, clientMsgId: 'r-3', query: '银行卡丢了怎么挂失?', entryId: 'lost-card', at: expect.any(String) });
    expect(await again.nextOf('resumed')).toEqual({ type: 'resumed', count: 1, lastSeq: 3 });

    again.send({ type: 'resume', lastSeq: 0 });
    const all: Frame[] = [await again.nextOf('answer'), await again.nextOf('answer'), await again.nextOf('answer')];
    expect(all.map((f) => f.seq)).toEqual([1, 2, 3]);
    expect(await again.nextOf('resumed')).toEqual({ type: 'resumed', count: 3, lastSeq: 3 });
    again.send({ type: 'resume', lastSeq: 3 });
    expect(await again.nextOf('resumed')).toEqual({ type: 'resumed', count: 0, lastSeq: 3 });
    expect(await WsTestClient.refused(gateway.url, { token, lastSeq: 'soon' })).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
  });

  it('refuses bad, expired and other-tenant tokens before the upgrade', async () => {
    expect(await WsTestClient.refused(gateway.url, { token: 'not-a-jwt' })).toEqual({
      status: 401,
      body: { statusCode: 401, code: 'INVALID_TOKEN', message: expect.any(String) },
    });
    const expired = new EndUserTokenService(testConfig(), new PastClock()).issue(tenant.id, 'ws-late').token;
    expect(await WsTestClient.refused(gateway.url, { token: expired })).toMatchObject({ status: 401, body: { code: 'TOKEN_EXPIRED' } });
    const foreign = new EndUserTokenService(testConfig({ JWT_SECRET: 'another-deployment-secret-0123456789abcdef' }), new PastClock()).issue(tenant.id, 'x').token;
    expect(await WsTestClient.refused(gateway.url, { token: foreign })).toMatchObject({ status: 401, body: { code: 'INVALID_TOKEN' } });

    const other = await api.createTenant(uniqueTenantId('ws-other'));
    const otherToken = await api.token(other.apiKey, 'ws-mallory');
    expect(await WsTestClient.refused(gateway.url, { token: otherToken, headers: { 'x-tenant-id': tenant.id } })).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    const ghost = new EndUserTokenService(testConfig(), new SystemClock()).issue('no-such-tenant', 'x').token;
    expect(await WsTestClient.refused(gateway.url, { token: ghost })).toMatchObject({ status: 404, body: { code: 'TENANT_NOT_FOUND' } });
    expect(await WsTestClient.refused(gateway.url, { path: '/v1/nope' })).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
  });

  it('closes a socket whose auth frame carries a bad or expired token with 4401', async () => {
    const client = await connect({});
    const expired = new EndUserTokenService(testConfig(), new PastClock()).issue(tenant.id, 'ws-late').token;
    client.send({ type: 'auth', token: expired });
    expect(await client.nextOf('error')).toMatchObject({ code: 'TOKEN_EXPIRED' });
    expect(await client.closed).toEqual({ code: 4401, reason: 'TOKEN_EXPIRED' });

    const early = await connect({});
    early.send({ type: 'message', query: 'hello', clientMsgId: 'too-early' });
    expect(await early.closed).toEqual({ code: 4401, reason: 'UNAUTHENTICATED' });
  });

  it('refuses a disabled tenant at the handshake and closes its open sockets at their next message', async () => {
    const doomed = await api.createTenant(uniqueTenantId('ws-doomed'), ROOMY);
    await worker.app.get(KnowledgeService).upsertMany(doomed.id, BANK_FAQ);
    const token = await api.token(doomed.apiKey, 'ws-gina');
    const client = await connect({ token });
    await client.nextOf('ready');
    expect((await client.ask('跨行转账收费吗?', 'd-1')).final).toMatchObject({ type: 'answer' });

    const patched = await http(`${gateway.url}/v1/admin/tenants/${doomed.id}`, { method: 'PATCH', token: ADMIN_TOKEN, body: { status: 'disabled' } });
    expect(patched.status).toBe(200);
    const { final } = await client.ask('跨行转账收费吗?', 'd-2');
    expect(final).toMatchObject({ type: 'error', code: 'TENANT_DISABLED', clientMsgId: 'd-2' });
    expect(await client.closed).toEqual({ code: 4403, reason: 'TENANT_DISABLED' });
    expect(await WsTestClient.refused(gateway.url, { token })).toMatchObject({ status: 403, body: { code: 'TENANT_DISABLED' } });
  });

  it("applies the tenant's per-user admission to turns, like every chat channel", async () => {
    const strict = await api.createTenant(uniqueTenantId('ws-strict'), { ...ROOMY, rateLimit: { userBurst: 2, userPerMin: 1 } });
    await worker.app.get(KnowledgeService).upsertMany(strict.id, BANK_FAQ);
    const client = await connect({ token: await api.token(strict.apiKey, 'ws-jack') });
    await client.nextOf('ready');
    expect((await client.ask('跨行转账收费吗?', 'a-1')).final).toMatchObject({ type: 'answer' });
    expect((await client.ask('跨行转账收费吗?', 'a-2')).final).toMatchObject({ type: 'answer' });
    const { final } = await client.ask('跨行转账收费吗?', 'a-3');
    expect(final).toMatchObject({ type: 'error', code: 'RATE_LIMITED', clientMsgId: 'a-3', details: { retryAfterSec: expect.any(Number), limitedBy: 'user' } });
    client.send({ type: 'ping' });
    expect(await client.nextOf('pong')).toEqual({ type: 'pong' });
  });

  it('refuses a revoked token, and closes its open sockets at their next message', async () => {
    const token = await api.token(tenant.apiKey, 'ws-kate');
    const client = await connect({ token });
    await client.nextOf('ready');
    const revoked = await http(`${gateway.url}/v1/auth/revoke`, { token: tenant.apiKey, body: { userId: 'ws-kate' } });
    expect(revoked.status).toBe(200);
    const { final } = await client.ask('跨行转账收费吗?', 'k-1');
    expect(final).toMatchObject({ type: 'error', code: 'TOKEN_REVOKED', clientMsgId: 'k-1' });
    expect(await client.closed).toEqual({ code: 4401, reason: 'TOKEN_REVOKED' });
    expect(await WsTestClient.refused(gateway.url, { token })).toMatchObject({ status: 401, body: { code: 'TOKEN_REVOKED' } });
  });

  describe('with a short heartbeat and auth timeout', () => {
    let quick: RunningApp;

    beforeAll(async () => {
      quick = await startGateway({ env: { WS_HEARTBEAT_MS: '200', WS_AUTH_TIMEOUT_MS: '300' } });
    });

    afterAll(async () => {
      await quick?.close();
    });

    it('terminates a client that stops answering pings, and keeps one that answers', async () => {
      const token = await api.token(tenant.apiKey, 'ws-henry');
      const silent = await connect({ token, autoPong: false }, quick.url);
      const lively = await connect({ token }, quick.url);
      const started = Date.now();
      const closed = await silent.closed;
      expect(closed.code).toBe(1006); // terminated: no close frame
      expect(Date.now() - started).toBeLessThan(1_500);
      await sleep(300);
      expect(lively.ws.readyState).toBe(lively.ws.OPEN);
      expect((await lively.ask('银行卡丢了怎么挂失?', 'alive-1')).final).toMatchObject({ type: 'answer' });
    });

    it('pings many sockets in slices spread over the interval, and drops only the silent one', async () => {
      // 250 sockets: three slices of up to 100, spread over half of the 200-ms interval (≈ 33 ms apart). Connected one
      // by one, so the gateway holds them in this order; the silent one is in the last slice.
      const token = await api.token(tenant.apiKey, 'ws-many');
      const pings: number[][] = [];
      const lively: WsTestClient[] = [];
      for (let i = 0; i < 249; i++) {
        const client = await connect({ token }, quick.url);
        const times: number[] = [];
        client.ws.on('ping', () => times.push(performance.now()));
        lively.push(client);
        pings.push(times);
      }
      const silent = await connect({ token, autoPong: false }, quick.url);
      const allConnected = performance.now();
      expect((await silent.closed).code).toBe(1006);
      await sleep(700);
      expect(lively.every((client) => client.ws.readyState === client.ws.OPEN)).toBe(true);
      // Sweeps that began after every socket was held: how long after the first socket's ping each socket got its own.
      const firstPings = pings[0]!.filter((t) => t > allConnected + 250);
      expect(firstPings.length).toBeGreaterThanOrEqual(2);
      const lag = (i: number): number[] =>
        pings[i]!.filter((t) => t >= firstPings[0]!).map((t) => t - Math.max(...firstPings.filter((first) => first <= t)));
      const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      const firstSlice = Array.from({ length: 99 }, (_, k) => lag(k + 1)).flat();
      const lastSlice = Array.from({ length: 49 }, (_, k) => lag(k + 200)).flat();
      expect(median(firstSlice)).toBeLessThan(20);
      expect(median(lastSlice)).toBeGreaterThan(45);
      expect(median(lastSlice)).toBeLessThan(180);
      // Once per interval: a socket's pings come about an interval apart, never twice in one sweep.
      for (const times of pings) {
        for (let k = 1; k < times.length; k++) expect(times[k]! - times[k - 1]!).toBeGreaterThan(100);
      }
      for (const client of lively) client.ws.close();
    });

    it('closes a socket that does not authenticate in time with 4401', async () => {
      const client = await connect({}, quick.url);
      expect(await client.nextOf('error', undefined, 2_000)).toMatchObject({ code: 'UNAUTHENTICATED' });
      expect(await client.closed).toEqual({ code: 4401, reason: 'UNAUTHENTICATED' });
    });
  });

  it('lets turns in flight answer, then closes sockets with 1012 when the gateway shuts down', async () => {
    const leaving = await startGateway();
    const client = await connect({ token: await api.token(tenant.apiKey, 'ws-ivan') }, leaving.url);
    await client.nextOf('ready');
    // A turn in flight when shutdown begins still gets its answer before the close.
    client.send({ type: 'message', query: 'What are your branch opening hours?', clientMsgId: 'last-word' });
    await new Promise((resolve) => setTimeout(resolve, 5));
    await leaving.close();
    expect(await client.closed).toEqual({ code: 1012, reason: 'service restart' });
    expect(client.frames.at(-1)).toMatchObject({ type: 'answer', clientMsgId: 'last-word', entryId: 'branch-hours' });
  });
});
