import { createHmac } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { signHandoffWebhook, verifyHandoffWebhook } from './handoff-signature.js';

describe('handoff webhook signature', () => {
  const secret = 'whsec_test';
  const body = JSON.stringify({ id: 'h1', query: '转人工' });

  it('is sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">', () => {
    const expected = createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex');
    expect(signHandoffWebhook(secret, '1700000000', body)).toBe(`sha256=${expected}`);
  });

  it('verifies, and refuses a changed body, another secret, or an old timestamp', () => {
    const ts = '1700000000';
    const signature = signHandoffWebhook(secret, ts, body);
    const at = { nowSec: 1700000010 };
    expect(verifyHandoffWebhook(secret, { timestamp: ts, signature }, body, at)).toBe(true);
    expect(verifyHandoffWebhook(secret, { timestamp: ts, signature }, body + ' ', at)).toBe(false);
    expect(verifyHandoffWebhook('whsec_other', { timestamp: ts, signature }, body, at)).toBe(false);
    expect(verifyHandoffWebhook(secret, { timestamp: ts, signature }, body, { nowSec: 1700000000 + 301 })).toBe(false);
    expect(verifyHandoffWebhook(secret, { timestamp: undefined, signature }, body, at)).toBe(false);
    expect(verifyHandoffWebhook(secret, { timestamp: ts, signature: 'sha256=00' }, body, at)).toBe(false);
  });
});
