import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { AUDIT_PAGE_MAX, type AuditFilter, type AuditKind } from '#audit';
import { ANSWER_SOURCES, DomainError, ErrorCode, USER_ID_PATTERN, type AnswerSource } from '#common';

const AUDIT_KINDS: readonly AuditKind[] = ['turn', 'admin', 'kb'];
export const AUDIT_FORMATS = ['json', 'jsonl', 'csv'] as const;
// A date, or a date-time with an explicit zone: a bare local time would mean whatever the
// server's zone is.
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;
const ISO_MESSAGE = 'must be an ISO 8601 date or date-time with a zone, e.g. 2026-11-22T08:00:00Z';

export class AuditQueryDto {
  @ApiPropertyOptional({ example: '2026-11-01T00:00:00Z', description: 'Events at or after this time.' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: `from ${ISO_MESSAGE}` })
  @Matches(ISO_TIME, { message: `from ${ISO_MESSAGE}` })
  from?: string;

  @ApiPropertyOptional({ example: '2026-12-01T00:00:00Z', description: 'Events before this time.' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: `to ${ISO_MESSAGE}` })
  @Matches(ISO_TIME, { message: `to ${ISO_MESSAGE}` })
  to?: string;

  @ApiPropertyOptional({ example: 'customer-42' })
  @IsOptional()
  @IsString()
  @Matches(USER_ID_PATTERN, { message: 'userId must be 1-128 characters of A-Z a-z 0-9 . _ : @ -' })
  userId?: string;

  @ApiPropertyOptional({ enum: ANSWER_SOURCES, example: 'kb' })
  @IsOptional()
  @IsIn(ANSWER_SOURCES)
  source?: AnswerSource;

  @ApiPropertyOptional({ enum: AUDIT_KINDS, example: 'turn', description: '`turn` (chat turns), `admin` (tenant and key changes, token revocations), `kb`' })
  @IsOptional()
  @IsIn(AUDIT_KINDS)
  kind?: AuditKind;

  @ApiPropertyOptional({ example: 100, minimum: 1, maximum: AUDIT_PAGE_MAX, default: 100, description: 'Rows per page (JSON only).' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(AUDIT_PAGE_MAX)
  limit?: number;

  @ApiPropertyOptional({ example: 'WyIyMDI2LTExLTIyVDA4OjAwOjAwLjAwMDAwMFoiLCI0MiJd', description: 'The `nextCursor` of the previous page.' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'cursor is not valid: pass the nextCursor of a previous page' })
  cursor?: string;

  @ApiPropertyOptional({ enum: AUDIT_FORMATS, default: 'json', description: '`json`: one page; `jsonl` / `csv`: every matching row, streamed.' })
  @IsOptional()
  @IsIn(AUDIT_FORMATS)
  format?: (typeof AUDIT_FORMATS)[number];
}

/** The repository filter of a validated query; `from` must come before `to`. */
export const toAuditFilter = (dto: AuditQueryDto): AuditFilter => {
  const filter: AuditFilter = {
    ...(dto.from ? { from: new Date(dto.from) } : {}),
    ...(dto.to ? { to: new Date(dto.to) } : {}),
    ...(dto.userId ? { userId: dto.userId } : {}),
    ...(dto.source ? { source: dto.source } : {}),
    ...(dto.kind ? { kind: dto.kind } : {}),
  };
  if (filter.from && filter.to && filter.from >= filter.to) {
    throw new DomainError(ErrorCode.ValidationFailed, 'from must be before to', { fields: { from: ['from must be before to'] } });
  }
  return filter;
};

class AuditEntryDto {
  @ApiProperty({ example: '1042' }) id!: string;
  @ApiProperty({ example: '6f1c2a9e-…', description: 'Unique per event: the idempotency key of its write.' }) eventId!: string;
  @ApiProperty({ enum: AUDIT_KINDS, example: 'turn' }) kind!: AuditKind;
  @ApiProperty({ example: 'customer-42', description: 'An end user, `key:<prefix>` of an API key, or `admin`.' }) actor!: string;
  @ApiProperty({ example: 'customer-42', nullable: true, type: String }) userId!: string | null;
  @ApiProperty({ example: 3, nullable: true, type: Number }) seq!: number | null;
  @ApiProperty({ example: '我的手机 138****5678 收不到验证码', nullable: true, type: String, description: 'Masked unless the tenant turned `piiMasking.audit` off.' })
  query!: string | null;
  @ApiProperty({ example: '请确认…', nullable: true, type: String }) answer!: string | null;
  @ApiProperty({ enum: ANSWER_SOURCES, example: 'kb', nullable: true }) source!: string | null;
  @ApiProperty({ example: 0.82, nullable: true, type: Number }) confidence!: number | null;
  @ApiProperty({ example: 'sms-code', nullable: true, type: String }) entryId!: string | null;
  @ApiProperty({ example: 87, nullable: true, type: Number }) latencyMs!: number | null;
  @ApiProperty({ example: null, nullable: true, type: String, description: 'For admin events, e.g. `tenant.update`, `apikey.revoke`, `tokens.revoke`.' }) action!: string | null;
  @ApiProperty({ example: null, nullable: true, type: Object }) detail!: Record<string, unknown> | null;
  @ApiProperty({ example: '2026-11-22T08:00:00.000Z' }) at!: string;
}

export class AuditPageDto {
  @ApiProperty({ type: [AuditEntryDto], description: 'Newest first.' }) items!: AuditEntryDto[];
  @ApiProperty({ example: 'WyIyMDI2LTExLTIyVDA4OjAwOjAwLjAwMDAwMFoiLCI0MiJd', nullable: true, type: String, description: 'Pass as `cursor` for the next page; null on the last page.' })
  nextCursor!: string | null;
}
