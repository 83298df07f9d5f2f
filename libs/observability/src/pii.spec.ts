import { describe, it, expect } from '@jest/globals';
import { isLuhnValid, isValidIdCard, maskPii, maskPiiDeep } from './pii.js';

// Check digits computed with GB 11643 / Luhn, not guessed.
const VALID_ID_X = '11010519491231002X';
const VALID_ID_DIGIT = '440308199001011239';
const WRONG_CHECK_ID = '110105194912310021'; // also not Luhn-valid, so the card rule leaves it too
const VISA_TEST = '4111111111111111';
const UNIONPAY_19 = '6222021234567890128';
const UNIONPAY_19_BAD = '6222021234567890125';

describe('isValidIdCard', () => {
  it('accepts correct check digits, including X in either case', () => {
    expect(isValidIdCard(VALID_ID_X)).toBe(true);
    expect(isValidIdCard(VALID_ID_X.toLowerCase())).toBe(true);
    expect(isValidIdCard(VALID_ID_DIGIT)).toBe(true);
  });

  it('rejects a wrong check digit', () => {
    expect(isValidIdCard(WRONG_CHECK_ID)).toBe(false);
    expect(isValidIdCard('440308199001011230')).toBe(false);
  });
});

describe('isLuhnValid', () => {
  it('accepts Luhn-valid numbers', () => {
    expect(isLuhnValid(VISA_TEST)).toBe(true);
    expect(isLuhnValid(UNIONPAY_19)).toBe(true);
    expect(isLuhnValid('79927398713')).toBe(true);
  });

  it('rejects Luhn-invalid numbers', () => {
    expect(isLuhnValid('4111111111111112')).toBe(false);
    expect(isLuhnValid(UNIONPAY_19_BAD)).toBe(false);
    expect(isLuhnValid('79927398710')).toBe(false);
  });
});

describe('maskPii', () => {
  it('masks a valid ID number, keeping 3 + 2', () => {
    expect(maskPii(`身份证 ${VALID_ID_X} 已核验`)).toBe(`身份证 110${'*'.repeat(13)}2X 已核验`);
    expect(maskPii(`身份证${VALID_ID_DIGIT}`)).toBe(`身份证440${'*'.repeat(13)}39`);
  });

  it('leaves an 18-digit number with a wrong check digit alone', () => {
    expect(maskPii(`编号 ${WRONG_CHECK_ID}`)).toBe(`编号 ${WRONG_CHECK_ID}`);
  });

  it('masks Luhn-valid cards, keeping 4 + 4', () => {
    expect(maskPii(`卡号 ${VISA_TEST}`)).toBe(`卡号 4111${'*'.repeat(8)}1111`);
    expect(maskPii(`卡号 4111 1111 1111 1111 谢谢`)).toBe(`卡号 4111${'*'.repeat(8)}1111 谢谢`);
    expect(maskPii('4111-1111-1111-1111')).toBe(`4111${'*'.repeat(8)}1111`);
    expect(maskPii(`卡号 ${UNIONPAY_19}`)).toBe(`卡号 6222${'*'.repeat(11)}0128`);
  });

  it('leaves Luhn-invalid card-length numbers alone', () => {
    expect(maskPii('卡号 4111111111111112')).toBe('卡号 4111111111111112');
    expect(maskPii(`卡号 ${UNIONPAY_19_BAD}`)).toBe(`卡号 ${UNIONPAY_19_BAD}`);
  });

  it('masks mobile numbers', () => {
    expect(maskPii('手机 13812345678')).toBe('手机 138****5678');
    expect(maskPii('电话:15900001111。')).toBe('电话:159****1111。');
  });

  it('masks mobile numbers with a +86 prefix', () => {
    expect(maskPii('+86 13912345678')).toBe('+86 139****5678');
    // 8613812345678 happens to be Luhn-valid, so the card rule catches it first: still masked.
    const masked = maskPii('联系 +86 13812345678');
    expect(masked).not.toContain('13812345678');
    expect(masked).not.toContain('1234');
    expect(masked.endsWith('5678')).toBe(true);
  });

  it('masks mobile numbers written with separators, keeping their shape', () => {
    expect(maskPii('手机 138 1234 5678')).toBe('手机 138 **** 5678');
    expect(maskPii('手机 138-1234-5678')).toBe('手机 138-****-5678');
    expect(maskPii('+86 139 1234 5678')).toBe('+86 139 **** 5678');
    expect(maskPii('+86-139-1234-5678 请回电')).toBe('+86-139-****-5678 请回电');
    expect(maskPii('电话 8613812345678')).toBe('电话 86138****5678');
  });

  it('does not read a grouped card number as a mobile', () => {
    expect(maskPii('卡号 6222 0212 3456 7890 128')).toBe(`卡号 6222${'*'.repeat(11)}0128`);
  });

  it('masks e-mail addresses, keeping the first letter and the domain', () => {
    expect(maskPii('邮箱 zhang.san@example.com 谢谢')).toBe('邮箱 z***@example.com 谢谢');
  });

  it('masks several items in one text', () => {
    const masked = maskPii(`我是 ${VALID_ID_X},手机13812345678,邮箱 li@corp.cn,卡 ${VISA_TEST}`);
    expect(masked).not.toContain(VALID_ID_X);
    expect(masked).not.toContain('13812345678');
    expect(masked).not.toContain('li@corp.cn');
    expect(masked).not.toContain(VISA_TEST);
  });

  it.each([
    '我想查询一下信用卡账单',
    '退款 500元 已到账',
    '转账金额 12345.67 元',
    '订单号 20240101 已发货',
    'seq 42, 2024-01-01 10:00',
    '年利率 3.85%',
    '123456789012', // 12 digits: shorter than any card
  ])('leaves ordinary text alone: %s', (text) => {
    expect(maskPii(text)).toBe(text);
  });
});

describe('maskPii on identifiers', () => {
  it('leaves a uuid and a trace id alone, even with eleven digits in a row across a dash', () => {
    for (const id of ['7f3c2a9e-1b2c-4d5e-8f90-123456789abc', '4bf92f3577b34da6a3ce929d0e0e4736']) {
      expect(maskPii(id)).toBe(id);
    }
  });
});

describe('maskPiiDeep', () => {
  it('masks strings at any depth, error messages and stacks, and keeps everything else', () => {
    const error = new Error(`insert failed for 13812345678 / ${VALID_ID_X}`);
    const masked = maskPiiDeep({
      userId: '13912345678',
      err: error,
      nested: { list: ['li@corp.cn', 42], when: '2026-11-22T08:00:00.000Z' },
      ms: 1763769600000,
      ok: true,
    }) as Record<string, any>;
    expect(masked.userId).toBe('139****5678');
    expect(masked.err.message).toBe(`insert failed for 138****5678 / 110${'*'.repeat(13)}2X`);
    expect(masked.err.stack).not.toContain('13812345678');
    expect(masked.nested).toEqual({ list: ['l***@corp.cn', 42], when: '2026-11-22T08:00:00.000Z' });
    expect(masked.ms).toBe(1763769600000);
    expect(masked.ok).toBe(true);
  });

  it('returns a record with nothing to mask as it is, and copies one that has, leaving the original alone', () => {
    const clean = { requestId: '7f3c2a9e-1b2c-4d5e-8f90-123456789abc', route: '/v1/chat', nested: { list: ['a', 1] }, ms: 3 };
    expect(maskPiiDeep(clean)).toBe(clean);
    const dirty = { requestId: 'r-1', nested: { keep: { a: 1 }, list: ['x', 'call 13812345678'] } };
    const masked = maskPiiDeep(dirty) as typeof dirty;
    expect(masked).not.toBe(dirty);
    expect(masked.nested.list).toEqual(['x', 'call 138****5678']);
    expect(masked.nested.keep).toBe(dirty.nested.keep);
    expect(dirty.nested.list[1]).toBe('call 13812345678');
  });

  it('copies an object that serialises itself, so its toJSON cannot carry personal data past the masker', () => {
    const url = new URL('https://example.com/?phone=13812345678');
    expect(JSON.stringify(maskPiiDeep({ url }))).not.toContain('13812345678');
  });

  it('stops at a bounded depth instead of following cycles forever', () => {
    const cyclic: Record<string, unknown> = { a: '13812345678' };
    cyclic.self = cyclic;
    expect(() => JSON.stringify(maskPiiDeep(cyclic), (_k, v) => (v === cyclic ? '[cycle]' : v))).not.toThrow();
  });
});
