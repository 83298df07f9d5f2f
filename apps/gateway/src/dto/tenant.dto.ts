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

class TenantConfigViewDto {
  @ApiProperty({ example: DEFAULT_TENANT_CONFIG.fallbackText }) fallbackText!: string;
  @ApiProperty({ example: 1500 }) answerDeadlineMs!: number;
  @ApiProperty({ example: 604800 }) historyTtlSec!: number;
  @ApiProperty({ example: 100 }) maxTurns!: number;
  @ApiProperty({ example: 6 }) contextTurns!: number;
  @ApiProperty({ example: null, nullable: true, type: Number }) confidenceThreshold!: number | null;
}

export class TenantResponseDto {
  @ApiProperty({ example: 'acme-bank' }) id!: string;
  @ApiProperty({ example: 'ACME Bank' }) name!: string;
  @ApiProperty({ enum: ['active', 'disabled'], example: 'active' }) status!: TenantStatus;
  @ApiProperty({ type: TenantConfigViewDto }) config!: TenantConfigViewDto;
  @ApiProperty({ example: '2026-11-22T08:00:00.000Z' }) createdAt!: string;
  @ApiProperty({ example: '2026-11-22T08:00:00.000Z' }) updatedAt!: string;
}

export class CreatedTenantResponseDto {
  @ApiProperty({ type: TenantResponseDto }) tenant!: TenantResponseDto;
  @ApiProperty({ example: 'fdk_3a9c0e1b2d4f_Qm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4', description: 'Shown once; store it now.' })
  apiKey!: string;
  @ApiProperty({ example: '8d0e7a52-0c1f-4a39-9a56-5f3f2e4b7c10' }) apiKeyId!: string;
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
