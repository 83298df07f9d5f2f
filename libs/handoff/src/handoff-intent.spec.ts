import { describe, expect, it } from '@jest/globals';
import { fallbackStreakReached, isHandoffRequest, trailingFallbacks } from './handoff-intent.js';

describe('isHandoffRequest', () => {
  it.each([
    '转人工',
    '转人工!',
    '转 人 工',
    '转、人、工。',
    '帮我转接人工服务',
    '人工客服',
    '我要人工客服!!!',
    '找人工',
    '能不能找个人工',
    '人工',
    '人工人工人工',
    '人工!',
    '我要真人',
    '是真人吗?',
    '真人客服在吗',
    '请让客服人员联系我',
    '不要机器人,转人工',
    'talk to a human',
    'Talk to a HUMAN!',
    'talk-to-a-human',
    'I want to speak to an agent',
    'speak  to   an agent please',
    'Can I speak with a real person?',
    'connect me to a customer service representative',
    'transfer me to a live agent',
    'human',
    'Agent!',
    'I need a human',
    'get me a representative',
    'human agent please',
    'ＴＡＬＫ ＴＯ Ａ ＨＵＭＡＮ', // full-width
  ])('detects %s', (query) => {
    expect(isHandoffRequest(query)).toBe(true);
  });

  it.each([
    '人工智能',
    '你们用的是人工智能吗?',
    '人工智能客服能办理挂失吗',
    '人工费怎么算',
    '需要人工审核吗',
    '信用卡账单可以分期吗?',
    '认真人生',
    '真人秀',
    '不要转人工',
    '别转人工,我自己查',
    'How do I reset my online banking password?',
    'I talked to my bank about human resources',
    'talk to human resources',
    'what is an insurance agent',
    'real estate loans',
    "don't transfer me to a human",
    'I do not want to talk to a human',
    '',
  ])('does not detect %s', (query) => {
    expect(isHandoffRequest(query)).toBe(false);
  });
});

describe('fallback streak', () => {
  const turns = (...sources: string[]) => sources.map((source) => ({ source }));

  it('counts trailing fallbacks only', () => {
    expect(trailingFallbacks(turns())).toBe(0);
    expect(trailingFallbacks(turns('fallback', 'kb', 'fallback', 'fallback'))).toBe(2);
    expect(trailingFallbacks(turns('fallback', 'handoff'))).toBe(0);
  });

  it('is reached when this fallback would be the N-th in a row; 0 disables it', () => {
    expect(fallbackStreakReached(turns('fallback', 'fallback'), 3)).toBe(true);
    expect(fallbackStreakReached(turns('kb', 'fallback'), 3)).toBe(false);
    expect(fallbackStreakReached(turns(), 1)).toBe(true);
    expect(fallbackStreakReached(turns('fallback', 'fallback', 'fallback'), 0)).toBe(false);
  });
});
