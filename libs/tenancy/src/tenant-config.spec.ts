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
