import { describe, expect, it } from '@jest/globals';
import { LOGGER, NestPinoLogger, type Logger } from '#observability';
import { http, uniqueTenantId } from './support/api-client.js';
import { LogCapture } from './support/log-capture.js';
import { useApps } from './support/use-apps.js';

// Check digits computed (GB 11643, Luhn), not guessed.
const ID_CARD = '11010519491231002X';
const CARD = '6222021234567890128';
const MOBILE = '138 1234 5678';
const EMAIL = 'zhang.san@example.com';
const QUERY = `你好,我的身份证${ID_CARD},卡号 ${CARD},手机 ${MOBILE},邮箱 ${EMAIL},帮我查一下信用卡账单`;
const CLEAR = [ID_CARD, CARD, MOBILE, '13812345678', '1234 5678', EMAIL, 'zhang.san'];

const expectNoneInClear = (text: string): void => {
  for (const item of CLEAR) expect(text).not.toContain(item);
};

describe('PII is masked in logs always, in history and audit per tenant', () => {
  // Debug level: whatever any code path logs about a turn is captured.
  const gatewayLogs = new LogCapture('gateway', 'debug');
  const workerLogs = new LogCapture('nlp-worker', 'debug');
  const apps = useApps({ gateway: { logger: gatewayLogs.logger, env: { LOG_LEVEL: 'debug' } }, worker: { logger: workerLogs.logger, env: { LOG_LEVEL: 'debug' } } });

  const auditQueries = async (apiKey: string, userId: string): Promise<string[]> => {
    for (let i = 0; i < 100; i++) {
      const { body } = await http<{ items: { query: string }[] }>(`${apps.gateway.url}/v1/audit?kind=turn&userId=${userId}`, { token: apiKey });
      if (body.items.length > 0) return body.items.map((e) => e.query);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return [];
  };

  it('with piiMasking.history on: masked in both apps’ logs, in the stored history and in the audit trail', async () => {
    const tenant = await apps.api.createTenant(uniqueTenantId('pii-on'), { piiMasking: { history: true } });
    const token = await apps.api.token(tenant.apiKey, 'pii-user');
    const turn = await apps.api.chat(token, QUERY);
    expect(turn.status).toBe(200);

    const { body } = await apps.api.conversation(tenant.apiKey, 'pii-user');
    const stored = String(body.turns[0]!.query);
    expectNoneInClear(stored);
    expect(stored).toContain(`110${'*'.repeat(13)}2X`);
    expect(stored).toContain(`6222${'*'.repeat(11)}0128`);
    expect(stored).toContain('138 **** 5678');
    expect(stored).toContain('z***@example.com');
    expect(stored).toContain('帮我查一下信用卡账单');

    const [audited] = await auditQueries(tenant.apiKey, 'pii-user');
    expect(audited).toBe(stored);

    // Anything that logs the text, the way it would reach a log line: error messages, ids,
    // free-text messages, Nest's own logger.
    for (const [app, capture] of [[apps.gateway, gatewayLogs], [apps.worker, workerLogs]] as const) {
      const logger = app.app.get<Logger>(LOGGER);
      logger.warn({ err: new Error(`lookup failed for ${QUERY}`), userId: '13812345678', detail: { query2: QUERY } }, `could not answer: ${QUERY}`);
      new NestPinoLogger(logger).error(`nest says ${QUERY}`, `trace ${EMAIL}`);
      expect(capture.lines.length).toBeGreaterThan(0);
    }
    expectNoneInClear(gatewayLogs.text());
    expectNoneInClear(workerLogs.text());
    expect(gatewayLogs.text()).toContain('z***@example.com');
    expect(workerLogs.text()).toContain('138 **** 5678');
  });

  it('by default: history kept as sent, audit masked; with piiMasking.audit off the audit keeps the text', async () => {
    const plain = await apps.api.createTenant(uniqueTenantId('pii-default'));
    await apps.api.chat(await apps.api.token(plain.apiKey, 'u1'), QUERY);
    expect((await apps.api.conversation(plain.apiKey, 'u1')).body.turns[0]).toMatchObject({ query: QUERY });
    const [audited] = await auditQueries(plain.apiKey, 'u1');
    expectNoneInClear(audited!);

    const raw = await apps.api.createTenant(uniqueTenantId('pii-audit-off'), { piiMasking: { audit: false } });
    await apps.api.chat(await apps.api.token(raw.apiKey, 'u1'), QUERY);
    expect(await auditQueries(raw.apiKey, 'u1')).toEqual([QUERY]);

    expectNoneInClear(gatewayLogs.text());
    expectNoneInClear(workerLogs.text());
  });
});
