import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsObject, IsOptional, IsString, Matches, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { TENANT_ID_PATTERN } from '#common';
import { DEFAULT_TENANT_CONFIG, TenantConfigDto, type TenantStatus } from '#tenancy';

export class CreateTenantDto {
  @ApiProperty({ example: 'acme-bank', description: 'Slug: lowercase letters, digits and dashes, 1-64 chars.' })
  @IsString()
  @Matches(TENANT_ID_PATTERN, { message: 'id must be a slug: lowercase letters, digits and inner dashes, at most 64 chars' })
  id!: string;

  @ApiProperty({ example: 'ACME Bank' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name!: string;

  @ApiPropertyOptional({ type: TenantConfigDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => TenantConfigDto)
  config?: TenantConfigDto;
}

export class UpdateTenantDto {
  @ApiPropertyOptional({ example: 'ACME Bank plc' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ enum: ['active', 'disabled'], example: 'disabled', description: 'Disabling stops its keys and tokens at once.' })
  @IsOptional()
  @IsIn(['active', 'disabled'])
  status?: TenantStatus;

  @ApiPropertyOptional({ type: TenantConfigDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => TenantConfigDto)
  config?: TenantConfigDto;
}

// --- security: rate limits, pii, audit retention ---
class RateLimitViewDto {
  @ApiProperty({ example: 200, description: 'turns per second, whole tenant' }) tenantPerSec!: number;
  @ApiProperty({ example: 400 }) tenantBurst!: number;
  @ApiProperty({ example: 30, description: 'turns per minute, one end user' }) userPerMin!: number;
  @ApiProperty({ example: 10 }) userBurst!: number;
}

class PiiMaskingViewDto {
  @ApiProperty({ example: false }) history!: boolean;
  @ApiProperty({ example: true }) audit!: boolean;
}

// --- answer engine: llm + handoff ---
class LlmConfigViewDto {
  @ApiProperty({ example: 'https://api.openai.com/v1' }) baseUrl!: string;
  @ApiProperty({ example: 'gpt-4o-mini' }) model!: string;
  @ApiProperty({ example: 0.3 }) temperature!: number;
  @ApiProperty({ example: 512 }) maxTokens!: number;
  @ApiProperty({ example: null, nullable: true, type: String }) systemPrompt!: string | null;
  @ApiProperty({ example: 1500, description: 'milliseconds per call' }) timeoutMs!: number;
  @ApiProperty({ example: true, description: 'whether an API key is stored (encrypted); the key itself is never returned' }) apiKeySet!: boolean;
}

class TenantConfigViewDto {
  @ApiProperty({ example: DEFAULT_TENANT_CONFIG.fallbackText }) fallbackText!: string;
  @ApiProperty({ example: 1500 }) answerDeadlineMs!: number;
  @ApiProperty({ example: 604800 }) historyTtlSec!: number;
  @ApiProperty({ example: 100 }) maxTurns!: number;
  @ApiProperty({ example: 6 }) contextTurns!: number;
  @ApiProperty({ example: null, nullable: true, type: Number }) confidenceThreshold!: number | null;
  // --- security: rate limits, pii, audit retention ---
  @ApiProperty({ type: RateLimitViewDto }) rateLimit!: RateLimitViewDto;
  @ApiProperty({ type: PiiMaskingViewDto }) piiMasking!: PiiMaskingViewDto;
  @ApiProperty({ example: 365 }) auditRetentionDays!: number;
  // --- answer engine: llm + handoff ---
  @ApiProperty({ type: LlmConfigViewDto, nullable: true, description: 'null: answers come from the knowledge base only' }) llm!: LlmConfigViewDto | null;
  @ApiProperty({ example: DEFAULT_TENANT_CONFIG.handoffText }) handoffText!: string;
  @ApiProperty({ example: 3, description: 'fallbacks in a row that hand off to a human (0 = never)' }) handoffAfterFallbacks!: number;
  @ApiProperty({ example: 'https://desk.example.com/hooks/fengda', nullable: true, type: String }) handoffWebhookUrl!: string | null;
  @ApiProperty({ example: true, description: 'whether a webhook signing secret exists; it is shown only once' }) handoffWebhookSecretSet!: boolean;
}

// --- answer engine: llm + handoff ---
const WEBHOOK_SECRET_DOC = {
  example: 'whsec_9hT2q1bWmXc3yQd0Jp6s1lFvA8ZkR4nYtUe7oGi5aBc',
  description:
    'Only in the response of the create or PATCH that set `handoffWebhookUrl` (and a secret was generated): the HMAC key receivers verify `X-Fengda-Signature` with. Shown once; store it now.',
};

export class TenantResponseDto {
  @ApiProperty({ example: 'acme-bank' }) id!: string;
  @ApiProperty({ example: 'ACME Bank' }) name!: string;
  @ApiProperty({ enum: ['active', 'disabled'], example: 'active' }) status!: TenantStatus;
  @ApiProperty({ type: TenantConfigViewDto }) config!: TenantConfigViewDto;
  @ApiProperty({ example: '2026-11-22T08:00:00.000Z' }) createdAt!: string;
  @ApiProperty({ example: '2026-11-22T08:00:00.000Z' }) updatedAt!: string;
  // --- answer engine: llm + handoff ---
  @ApiPropertyOptional(WEBHOOK_SECRET_DOC) handoffWebhookSecret?: string;
}

export class CreatedTenantResponseDto {
  @ApiProperty({ type: TenantResponseDto }) tenant!: TenantResponseDto;
  @ApiProperty({ example: 'fdk_3a9c0e1b2d4f_Qm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4', description: 'Shown once; store it now.' })
  apiKey!: string;
  @ApiProperty({ example: '8d0e7a52-0c1f-4a39-9a56-5f3f2e4b7c10' }) apiKeyId!: string;
  // --- answer engine: llm + handoff ---
  @ApiPropertyOptional(WEBHOOK_SECRET_DOC) handoffWebhookSecret?: string;
}

export class IssueApiKeyDto {
  @ApiPropertyOptional({ example: 'crm-integration', maxLength: 100 })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  label?: string;
}

export class ApiKeyResponseDto {
  @ApiProperty({ example: '8d0e7a52-0c1f-4a39-9a56-5f3f2e4b7c10' }) id!: string;
  @ApiProperty({ example: '3a9c0e1b2d4f', description: 'Public lookup part of the key.' }) prefix!: string;
  @ApiProperty({ example: 'crm-integration', nullable: true, type: String }) label!: string | null;
  @ApiProperty({ example: '2026-11-22T08:00:00.000Z' }) createdAt!: string;
  @ApiProperty({ example: null, nullable: true, type: String }) revokedAt!: string | null;
}

export class IssuedApiKeyResponseDto extends ApiKeyResponseDto {
  @ApiProperty({ example: 'fdk_3a9c0e1b2d4f_Qm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4', description: 'Shown once.' })
  apiKey!: string;
}
