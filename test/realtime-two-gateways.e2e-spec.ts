import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { ReplyBusService } from '#dialogue';
import { KnowledgeService } from '#knowledge';
import { FengdaClient, uniqueTenantId } from './support/api-client.js';
import { BANK_FAQ } from './support/bank-faq.js';
import { startGateway, startWorker, type RunningApp } from './support/test-apps.js';
import { WsTestClient } from './support/ws-client.js';

// These tests are about the channel, not the deadline: a first turn on a busy machine may be slow.
const ROOMY = { answerDeadlineMs: 10_000 };

describe('two gateway instances, one worker', () => {
  let gateway1: RunningApp;
  let gateway2: RunningApp;
  let worker: RunningApp;
  let tenant: { id: string; apiKey: string };
  let listener: Redis;
  const heard = new Map<string, string[]>();

  beforeAll(async () => {
    gateway1 = await startGateway();
    gateway2 = await startGateway();
    worker = await startWorker();
    tenant = await new FengdaClient(gateway1.url).createTenant(uniqueTenantId('two-gw'), ROOMY);
    await worker.app.get(KnowledgeService).upsertMany(tenant.id, BANK_FAQ);
    // Everything published on either instance's reply channel, to see who got what.
    listener = new Redis(process.env.FENGDA_TEST_REDIS_URL!, { protocol: 2 });
    const channels = [gateway1, gateway2].map((g) => g.app.get(ReplyBusService).channel);
    for (const channel of channels) heard.set(channel, []);
    await listener.subscribe(...channels);
    listener.on('message', (channel: string, message: string) => heard.get(channel)?.push(message));
  });

  afterAll(async () => {
    listener?.disconnect();
    await gateway1?.close();
    await gateway2?.close();
    await worker?.close();
  });

  it('a socket on gateway 2 gets its answer, and gateway 1 hears nothing of it', async () => {
    const [channel1, channel2] = [gateway1, gateway2].map((g) => g.app.get(ReplyBusService).channel);
    expect(channel1).not.toBe(channel2);
    // The token comes from gateway 1: any instance accepts any instance's tokens.
    const token = await new FengdaClient(gateway1.url).token(tenant.apiKey, 'roaming-user');
    const client = await WsTestClient.connect(gateway2.url, { token });
    try {
      await client.nextOf('ready');
      const { final } = await client.ask('信用卡账单可以分期吗?', 'gw2-1');
      expect(final).toMatchObject({ type: 'answer', source: 'kb', entryId: 'card-instalment', seq: 1 });

      const onChannel2 = heard.get(channel2)!.map((m) => JSON.parse(m) as { kind: string; answer?: string });
      expect(onChannel2.some((m) => m.kind === 'final' && m.answer === final.answer)).toBe(true);
      expect(heard.get(channel1)).toEqual([]);

      // And the other way round, on the same conversation.
      const other = await WsTestClient.connect(gateway1.url, { token, lastSeq: 0 });
      await other.nextOf('ready');
      expect(await other.nextOf('answer')).toMatchObject({ replay: true, seq: 1, clientMsgId: 'gw2-1' });
      const { final: second } = await other.ask('那手续费呢?', 'gw1-1');
      expect(second).toMatchObject({ type: 'answer', seq: 2, entryId: 'card-instalment' });
      expect(heard.get(channel1)!.length).toBeGreaterThan(0);
      await other.close();
    } finally {
      await client.close();
    }
  });
});
