import { describe, expect, it } from '@jest/globals';
import { buildGroundedMessages } from './grounded-prompt.js';

describe('buildGroundedMessages', () => {
  const excerpts = [
    { question: '信用卡账单可以分期吗?', answer: '可以,账单可分3/6/12期。' },
    { question: 'Branch hours?', answer: 'Branches open 9:00-17:00.' },
  ];

  it('grounds the system message in the excerpts, then replays the turns and asks the query', () => {
    const messages = buildGroundedMessages({
      systemPrompt: '你是蜂答银行的客服。',
      excerpts,
      history: [{ query: '信用卡账单可以分期吗?', answer: '可以,账单可分3/6/12期。' }],
      query: '那手续费呢?',
    });
    expect(messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    const system = messages[0]!.content;
    expect(system.startsWith('你是蜂答银行的客服。')).toBe(true);
    expect(system).toContain('Answer only from the FAQ excerpts');
    expect(system).toContain('[1] Q: 信用卡账单可以分期吗?\n    A: 可以,账单可分3/6/12期。');
    expect(system).toContain('[2] Q: Branch hours?');
    expect(messages[1]).toEqual({ role: 'user', content: '信用卡账单可以分期吗?' });
    expect(messages[3]).toEqual({ role: 'user', content: '那手续费呢?' });
  });

  it('uses a neutral persona without a system prompt and says when nothing matched', () => {
    const [system] = buildGroundedMessages({ systemPrompt: null, excerpts: [], history: [], query: 'q' });
    expect(system!.content).toMatch(/^You are a polite, concise customer-service assistant\./);
    expect(system!.content).toContain('(no matching entries)');
  });
});
