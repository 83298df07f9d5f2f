import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsNumber, IsObject, IsOptional, IsString, Max, MaxLength, Min, MinLength, ValidateNested } from 'class-validator';
import { ApiPropertyOptional } from '@nestjs/swagger';
// --- answer engine: llm + handoff ---
import { IsUrl } from 'class-validator';
import { LlmConfigDto, type LlmConfigInput, type StoredLlmConfig } from '#llm';

// --- security: rate limits, pii, audit retention ---
/** Admission limits of a tenant's chat turns (token buckets in Redis). */
export interface RateLimitConfig {
  /** Sustained turns per second for the whole tenant. */
  tenantPerSec: number;
  /** Turns the whole tenant may send at once above the sustained rate. */
  tenantBurst: number;
  /** Sustained turns per minute for one end user. */
  userPerMin: number;
  /** Turns one end user may send at once. */
  userBurst: number;
}

/** Where a customer's ID-card, card and mobile numbers and e-mail addresses are masked. */
export interface PiiMaskingConfig {
  /** Mask in the stored conversation history (and so in the context the engine sees). */
  history: boolean;
  /** Mask in the audit trail. */
  audit: boolean;
}

export const DEFAULT_RATE_LIMIT: Readonly<RateLimitConfig> = Object.freeze({ tenantPerSec: 200, tenantBurst: 400, userPerMin: 30, userBurst: 10 });
export const DEFAULT_PII_MASKING: Readonly<PiiMaskingConfig> = Object.freeze({ history: false, audit: true });
export const DEFAULT_AUDIT_RETENTION_DAYS = 365;

export class RateLimitConfigDto implements Partial<RateLimitConfig> {
  @ApiPropertyOptional({ example: 200, minimum: 1, maximum: 100000, description: 'turns per second, whole tenant' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000)
  tenantPerSec?: number;

  @ApiPropertyOptional({ example: 400, minimum: 1, maximum: 1000000 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  tenantBurst?: number;

  @ApiPropertyOptional({ example: 30, minimum: 1, maximum: 100000, description: 'turns per minute, one end user' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000)
  userPerMin?: number;

  @ApiPropertyOptional({ example: 10, minimum: 1, maximum: 10000 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000)
  userBurst?: number;
}

export class PiiMaskingConfigDto implements Partial<PiiMaskingConfig> {
  @ApiPropertyOptional({ example: false, description: 'mask PII in the stored history' })
  @IsOptional()
  @IsBoolean()
  history?: boolean;

  @ApiPropertyOptional({ example: true, description: 'mask PII in the audit trail' })
  @IsOptional()
  @IsBoolean()
  audit?: boolean;
}
// --- end security ---

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
  /** When the answer queue lags: refuse new turns with 503 + Retry-After, or answer the fallback at once. */
  overloadMode: 'reject' | 'fallback';
  // --- security: rate limits, pii, audit retention ---
  rateLimit: RateLimitConfig;
  piiMasking: PiiMaskingConfig;
  /** Audit rows older than this are deleted by the hourly retention job. */
  auditRetentionDays: number;
  // --- answer engine: llm + handoff ---
  /** OpenAI-compatible provider (API key sealed by libs/secrets); null = knowledge base only. */
  llm: StoredLlmConfig | null;
  /** Said when the conversation goes to a human. */
  handoffText: string;
  /** Fallbacks in a row after which the bot hands off instead (0 = never). */
  handoffAfterFallbacks: number;
  /** Receives a signed POST for every handoff; null = none. */
  handoffWebhookUrl: string | null;
  /** The webhook's HMAC secret, sealed; generated when the URL is set, shown once. */
  handoffWebhookSecretSealed: string | null;
}

export const DEFAULT_TENANT_CONFIG: Readonly<TenantConfig> = Object.freeze({
  fallbackText: '系统繁忙,请稍后再试',
  answerDeadlineMs: 1500,
  historyTtlSec: 7 * 24 * 3600,
  maxTurns: 100,
  contextTurns: 6,
  confidenceThreshold: null,
  overloadMode: 'reject',
  // --- security: rate limits, pii, audit retention ---
  rateLimit: DEFAULT_RATE_LIMIT,
  piiMasking: DEFAULT_PII_MASKING,
  auditRetentionDays: DEFAULT_AUDIT_RETENTION_DAYS,
  // --- answer engine: llm + handoff ---
  llm: null,
  handoffText: '正在为您转接人工客服,请稍候。',
  handoffAfterFallbacks: 3,
  handoffWebhookUrl: null,
  handoffWebhookSecretSealed: null,
});

// --- answer engine: llm + handoff ---
/**
 * A config change as an operator writes it: secrets in clear (TenantAdminService seals them
 * before storing), never the sealed fields themselves.
 */
export type TenantConfigPatch = Partial<Omit<TenantConfig, 'llm' | 'handoffWebhookSecretSealed'>> & { llm?: LlmConfigInput | null };

/** Partial config as accepted on create and update; every field is validated on write. */
export class TenantConfigDto implements TenantConfigPatch {
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

  @ApiPropertyOptional({ enum: ['reject', 'fallback'], example: 'reject', description: 'when the answer queue lags: 503 + Retry-After, or the fallback text at once' })
  @IsOptional()
  @IsIn(['reject', 'fallback'])
  overloadMode?: 'reject' | 'fallback';

  // --- security: rate limits, pii, audit retention ---
  // Patches may name only some fields of a group; resolveTenantConfig merges them over the
  // current values, which is why the group types are the full ones here.
  @ApiPropertyOptional({ type: () => RateLimitConfigDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => RateLimitConfigDto)
  rateLimit?: RateLimitConfig;

  @ApiPropertyOptional({ type: () => PiiMaskingConfigDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => PiiMaskingConfigDto)
  piiMasking?: PiiMaskingConfig;

  @ApiPropertyOptional({ example: 365, minimum: 1, maximum: 3650, description: 'days audit rows are kept' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3650)
  auditRetentionDays?: number;

  // --- answer engine: llm + handoff ---
  @ApiPropertyOptional({
    type: () => LlmConfigDto,
    nullable: true,
    description: 'OpenAI-compatible provider for answers grounded in the knowledge base; null removes it (knowledge base only). Replaced as a whole on write.',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => LlmConfigDto)
  llm?: LlmConfigDto | null;

  @ApiPropertyOptional({ example: '正在为您转接人工客服,请稍候。', maxLength: 2000, description: 'answer when the conversation goes to a human' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  handoffText?: string;

  @ApiPropertyOptional({ example: 3, minimum: 0, maximum: 20, description: 'fallbacks in a row that hand the conversation to a human (0 = never)' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(20)
  handoffAfterFallbacks?: number;

  @ApiPropertyOptional({
    example: 'https://desk.example.com/hooks/fengda',
    nullable: true,
    type: String,
    description: 'receives a signed POST per handoff; setting it generates `handoffWebhookSecret`, returned once in this response; null removes both',
  })
  @IsOptional()
  @IsString()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false }, { message: 'handoffWebhookUrl must be an http(s) URL' })
  @MaxLength(2000)
  handoffWebhookUrl?: string | null;
}

const isGroup = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Fills in defaults; unknown keys in stored JSON are dropped. Groups (objects such as
 * `rateLimit`) merge field by field, so a patch may change one field of a group.
 */
export const resolveTenantConfig = (stored: Partial<TenantConfig> | null | undefined, patch: Partial<TenantConfig> = {}): TenantConfig => {
  const merged = { ...DEFAULT_TENANT_CONFIG } as unknown as Record<string, unknown>;
  const defaults = DEFAULT_TENANT_CONFIG as unknown as Record<string, unknown>;
  for (const source of [stored ?? {}, patch] as Record<string, unknown>[]) {
    for (const key of Object.keys(defaults)) {
      const value = source[key];
      if (value === undefined) continue;
      const base = defaults[key];
      if (!isGroup(base)) {
        merged[key] = value;
      } else if (isGroup(value)) {
        const group = { ...(merged[key] as Record<string, unknown>) };
        for (const field of Object.keys(base)) if (value[field] !== undefined) group[field] = value[field];
        merged[key] = group;
      }
    }
  }
  return merged as unknown as TenantConfig;
};
