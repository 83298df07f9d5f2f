import 'reflect-metadata';
import { describe, it, expect } from '@jest/globals';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { DEFAULT_TENANT_CONFIG, TenantConfigDto, resolveTenantConfig, type TenantConfig } from './tenant-config.js';

const errorsFor = async (plain: Record<string, unknown>): Promise<string[]> => {
  const errors = await validate(plainToInstance(TenantConfigDto, plain));
  return errors.map((e) => e.property);
};

describe('resolveTenantConfig', () => {
  it('fills in the defaults', () => {
    const config = resolveTenantConfig(null);
    expect(config).toEqual({
      fallbackText: '系统繁忙,请稍后再试',
      answerDeadlineMs: 1500,
      historyTtlSec: 604800,
      maxTurns: 100,
      contextTurns: 6,
      confidenceThreshold: null,
      overloadMode: 'reject',
      // --- security: rate limits, pii, audit retention ---
      rateLimit: { tenantPerSec: 200, tenantBurst: 400, userPerMin: 30, userBurst: 10 },
      piiMasking: { history: false, audit: true },
      auditRetentionDays: 365,
      // --- answer engine: llm + handoff ---
      llm: null,
      handoffText: '正在为您转接人工客服,请稍候。',
      handoffAfterFallbacks: 3,
      handoffWebhookUrl: null,
      handoffWebhookSecretSealed: null,
    });
    expect(resolveTenantConfig(undefined)).toEqual(config);
    expect(resolveTenantConfig({})).toEqual(config);
  });

  it('returns a fresh object, leaving the frozen defaults untouched', () => {
    const config = resolveTenantConfig(null);
    config.maxTurns = 3;
    expect(DEFAULT_TENANT_CONFIG.maxTurns).toBe(100);
    expect(resolveTenantConfig(null).maxTurns).toBe(100);
  });

  it('applies stored values, then the patch on top', () => {
    const stored: Partial<TenantConfig> = { maxTurns: 20, answerDeadlineMs: 2000, fallbackText: '稍等' };
    const config = resolveTenantConfig(stored, { answerDeadlineMs: 800, confidenceThreshold: 0.4 });
    expect(config.maxTurns).toBe(20);
    expect(config.answerDeadlineMs).toBe(800);
    expect(config.fallbackText).toBe('稍等');
    expect(config.confidenceThreshold).toBe(0.4);
    expect(config.historyTtlSec).toBe(604800);
  });

  it('ignores undefined patch values', () => {
    const config = resolveTenantConfig({ maxTurns: 20 }, { maxTurns: undefined });
    expect(config.maxTurns).toBe(20);
  });

  it('lets a patch reset confidenceThreshold to null', () => {
    expect(resolveTenantConfig({ confidenceThreshold: 0.5 }, { confidenceThreshold: null }).confidenceThreshold).toBeNull();
  });

  it('drops unknown keys', () => {
    const stored = { maxTurns: 5, legacyFlag: true, __proto__x: 1 } as unknown as Partial<TenantConfig>;
    const config = resolveTenantConfig(stored, { bogus: 'x' } as unknown as Partial<TenantConfig>);
    expect(Object.keys(config).sort()).toEqual(Object.keys(DEFAULT_TENANT_CONFIG).sort());
    expect(config.maxTurns).toBe(5);
  });
});

// --- security: rate limits, pii, audit retention ---
describe('resolveTenantConfig groups', () => {
  it('merges a group field by field: a patch may change one field', () => {
    const stored = { rateLimit: { tenantPerSec: 50, tenantBurst: 100, userPerMin: 30, userBurst: 10 } } as Partial<TenantConfig>;
    const config = resolveTenantConfig(stored, { rateLimit: { userBurst: 3 } } as unknown as Partial<TenantConfig>);
    expect(config.rateLimit).toEqual({ tenantPerSec: 50, tenantBurst: 100, userPerMin: 30, userBurst: 3 });
    expect(resolveTenantConfig(null, { piiMasking: { history: true } } as unknown as Partial<TenantConfig>).piiMasking).toEqual({ history: true, audit: true });
  });

  it('never mutates the frozen default groups, and drops unknown or malformed group values', () => {
    const config = resolveTenantConfig({ rateLimit: { userBurst: 1, bogus: 9 } } as unknown as Partial<TenantConfig>);
    expect(config.rateLimit).toEqual({ tenantPerSec: 200, tenantBurst: 400, userPerMin: 30, userBurst: 1 });
    expect(DEFAULT_TENANT_CONFIG.rateLimit.userBurst).toBe(10);
    expect(resolveTenantConfig({ piiMasking: null } as unknown as Partial<TenantConfig>).piiMasking).toEqual({ history: false, audit: true });
  });

  it('validates the groups on write', async () => {
    expect(await errorsFor({ rateLimit: { userBurst: 5 }, piiMasking: { history: true }, auditRetentionDays: 30 })).toEqual([]);
    expect(await errorsFor({ rateLimit: { userBurst: 0 } })).toEqual(['rateLimit']);
    expect(await errorsFor({ rateLimit: { tenantPerSec: 1.5 } })).toEqual(['rateLimit']);
    expect(await errorsFor({ rateLimit: 'fast' })).toEqual(['rateLimit']);
    expect(await errorsFor({ piiMasking: { audit: 'no' } })).toEqual(['piiMasking']);
    expect(await errorsFor({ auditRetentionDays: 0 })).toEqual(['auditRetentionDays']);
    expect(await errorsFor({ auditRetentionDays: 3651 })).toEqual(['auditRetentionDays']);
  });
});

describe('TenantConfigDto validation', () => {
  it('accepts a full valid object', async () => {
    expect(
      await errorsFor({
        fallbackText: '请稍候',
        answerDeadlineMs: 1500,
        historyTtlSec: 3600,
        maxTurns: 50,
        contextTurns: 0,
        confidenceThreshold: 0.35,
      }),
    ).toEqual([]);
  });

  it('accepts an empty object (every field optional)', async () => {
    expect(await errorsFor({})).toEqual([]);
  });

  it('converts a numeric string deadline', async () => {
    const dto = plainToInstance(TenantConfigDto, { answerDeadlineMs: '2000' });
    expect(dto.answerDeadlineMs).toBe(2000);
    expect(await validate(dto)).toEqual([]);
  });

  it.each([
    [{ answerDeadlineMs: 50 }, 'answerDeadlineMs'],
    [{ answerDeadlineMs: 'abc' }, 'answerDeadlineMs'],
    [{ answerDeadlineMs: 40000 }, 'answerDeadlineMs'],
    [{ answerDeadlineMs: 1500.5 }, 'answerDeadlineMs'],
    [{ maxTurns: 0 }, 'maxTurns'],
    [{ maxTurns: 1001 }, 'maxTurns'],
    [{ fallbackText: '' }, 'fallbackText'],
    [{ fallbackText: 'x'.repeat(2001) }, 'fallbackText'],
    [{ fallbackText: 42 }, 'fallbackText'],
    [{ confidenceThreshold: 1.5 }, 'confidenceThreshold'],
    [{ confidenceThreshold: -0.1 }, 'confidenceThreshold'],
    [{ historyTtlSec: 59 }, 'historyTtlSec'],
    [{ contextTurns: 51 }, 'contextTurns'],
  ])('rejects %j', async (plain, property) => {
    expect(await errorsFor(plain)).toEqual([property]);
  });
});

// --- answer engine: llm + handoff ---
describe('answer engine config (llm + handoff)', () => {
  const llm = { baseUrl: 'http://127.0.0.1:8080/v1', model: 'qwen-plus' };

  it('validates the provider on write', async () => {
    expect(await errorsFor({ llm: { ...llm, apiKey: 'sk-1', temperature: 2, maxTokens: 4096, systemPrompt: 'x'.repeat(4000), timeoutMs: 1500 } })).toEqual([]);
    expect(await errorsFor({ llm: null })).toEqual([]);
    expect(await errorsFor({ llm: { ...llm, baseUrl: 'https://llm.internal/v1' } })).toEqual([]);
    for (const bad of [
      { ...llm, baseUrl: 'ftp://llm.example/v1' },
      { ...llm, baseUrl: 'not a url' },
      { model: 'm' },
      { ...llm, model: '' },
      { ...llm, temperature: 2.1 },
      { ...llm, temperature: -0.1 },
      { ...llm, maxTokens: 0 },
      { ...llm, maxTokens: 4097 },
      { ...llm, maxTokens: 1.5 },
      { ...llm, systemPrompt: 'x'.repeat(4001) },
      { ...llm, timeoutMs: 50 },
      'gpt',
    ]) {
      expect(await errorsFor({ llm: bad })).toEqual(['llm']);
    }
  });

  it('validates the handoff settings on write', async () => {
    expect(await errorsFor({ handoffText: '稍等', handoffAfterFallbacks: 0, handoffWebhookUrl: 'https://desk.example.com/hook' })).toEqual([]);
    expect(await errorsFor({ handoffWebhookUrl: null })).toEqual([]);
    expect(await errorsFor({ handoffText: '' })).toEqual(['handoffText']);
    expect(await errorsFor({ handoffAfterFallbacks: 21 })).toEqual(['handoffAfterFallbacks']);
    expect(await errorsFor({ handoffAfterFallbacks: -1 })).toEqual(['handoffAfterFallbacks']);
    expect(await errorsFor({ handoffWebhookUrl: 'javascript:alert(1)' })).toEqual(['handoffWebhookUrl']);
  });

  it('replaces llm as a whole, and a patch of null removes it', () => {
    const stored = { llm: { ...llm, temperature: 0.9, maxTokens: 100, systemPrompt: 'p', timeoutMs: 900, apiKeySealed: 'v1:a:b:c' } } as Partial<TenantConfig>;
    expect(resolveTenantConfig(stored).llm).toEqual(stored.llm);
    const next = { ...llm, model: 'other', temperature: 0.3, maxTokens: 512, systemPrompt: null, timeoutMs: 1500, apiKeySealed: null };
    expect(resolveTenantConfig(stored, { llm: next }).llm).toEqual(next);
    expect(resolveTenantConfig(stored, { llm: null }).llm).toBeNull();
  });
});
