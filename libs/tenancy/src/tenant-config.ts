import { Type } from 'class-transformer';
import { IsInt, IsNumber, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { ApiPropertyOptional } from '@nestjs/swagger';

/** A tenant's behaviour settings, stored as JSON on the tenant row. */
export interface TenantConfig {
  /** Answer when nothing better is available in time. */
  fallbackText: string;
  /** How long the gateway waits for the worker before answering the fallback. */
  answerDeadlineMs: number;
  /** History expiry, refreshed on every write. */
  historyTtlSec: number;
  /** Turns kept per user; older ones are trimmed. */
  maxTurns: number;
  /** Recent turns handed to the answer engine as context. */
  contextTurns: number;
  /** Retrieval confidence under which the bot answers the fallback instead of guessing; null = engine default. */
  confidenceThreshold: number | null;
}

export const DEFAULT_TENANT_CONFIG: Readonly<TenantConfig> = Object.freeze({
  fallbackText: '系统繁忙,请稍后再试',
  answerDeadlineMs: 1500,
  historyTtlSec: 7 * 24 * 3600,
  maxTurns: 100,
  contextTurns: 6,
  confidenceThreshold: null,
});

/** Partial config as accepted on create and update; every field is validated on write. */
export class TenantConfigDto implements Partial<TenantConfig> {
  @ApiPropertyOptional({ example: '系统繁忙,请稍后再试', maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  fallbackText?: string;

  @ApiPropertyOptional({ example: 1500, minimum: 100, maximum: 30000, description: 'milliseconds' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(30_000)
  answerDeadlineMs?: number;

  @ApiPropertyOptional({ example: 604800, minimum: 60, maximum: 7776000, description: 'seconds (default 7 days)' })
  @IsOptional()
  @IsInt()
  @Min(60)
  @Max(90 * 24 * 3600)
  historyTtlSec?: number;

  @ApiPropertyOptional({ example: 100, minimum: 1, maximum: 1000 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  maxTurns?: number;

  @ApiPropertyOptional({ example: 6, minimum: 0, maximum: 50 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(50)
  contextTurns?: number;

  @ApiPropertyOptional({ example: 0.35, minimum: 0, maximum: 1, nullable: true })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  confidenceThreshold?: number | null;
}

/** Fills in defaults; unknown keys in stored JSON are dropped. */
export const resolveTenantConfig = (stored: Partial<TenantConfig> | null | undefined, patch: Partial<TenantConfig> = {}): TenantConfig => {
  const merged: TenantConfig = { ...DEFAULT_TENANT_CONFIG };
  for (const source of [stored ?? {}, patch]) {
    for (const key of Object.keys(DEFAULT_TENANT_CONFIG) as (keyof TenantConfig)[]) {
      const value = source[key];
      if (value !== undefined) (merged as unknown as Record<string, unknown>)[key] = value;
    }
  }
  return merged;
};
