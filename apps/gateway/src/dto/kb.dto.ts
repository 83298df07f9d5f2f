import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { KB_ENTRY_ID_PATTERN, KB_FILE_FORMATS, KB_IMPORT_MODES, KB_LIMITS, KB_PAGE_DEFAULT, KB_PAGE_MAX, type KbFileFormat, type KbImportMode } from '#knowledge';

const ID_MESSAGE = 'id must be 1-128 characters of A-Z a-z 0-9 . _ : -';
const NOT_BLANK = /\S/;

/** Body of `POST /v1/kb/entries` and `PUT /v1/kb/entries/:id` (the same rules as each import line). */
export class KbEntryRequestDto {
  @ApiPropertyOptional({
    example: 'card-instalment',
    description: 'Your id for the entry (1-128 of A-Z a-z 0-9 . _ : -), unique in your knowledge base; chat replies name it as `entryId`. Generated (a UUID) when absent on create; on PUT it may be omitted, or must equal the id in the path.',
  })
  @IsOptional()
  @IsString()
  @Matches(KB_ENTRY_ID_PATTERN, { message: ID_MESSAGE })
  id?: string;

  @ApiProperty({ example: '信用卡账单可以分期吗?', minLength: 1, maxLength: KB_LIMITS.questionMax })
  @IsString()
  @MinLength(1)
  @MaxLength(KB_LIMITS.questionMax)
  @Matches(NOT_BLANK, { message: 'question must not be blank' })
  question!: string;

  @ApiPropertyOptional({
    example: ['账单能不能分期还款', '账单分期手续费是多少'],
    description: `Other ways customers ask the same thing (at most ${KB_LIMITS.similarQuestionsMax}, each at most ${KB_LIMITS.questionMax} characters).`,
    type: [String],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(KB_LIMITS.similarQuestionsMax)
  @IsString({ each: true })
  @MaxLength(KB_LIMITS.questionMax, { each: true })
  @Matches(NOT_BLANK, { each: true, message: 'similarQuestions must not hold blank questions' })
  similarQuestions?: string[];

  @ApiProperty({ example: '可以,账单可分3/6/12期,手续费每期0.75%/0.70%/0.66%。', minLength: 1, maxLength: KB_LIMITS.answerMax })
  @IsString()
  @MinLength(1)
  @MaxLength(KB_LIMITS.answerMax)
  @Matches(NOT_BLANK, { message: 'answer must not be blank' })
  answer!: string;

  @ApiPropertyOptional({ example: ['credit-card'], description: `At most ${KB_LIMITS.tagsMax} tags, each at most ${KB_LIMITS.tagMax} characters.`, type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(KB_LIMITS.tagsMax)
  @IsString({ each: true })
  @MaxLength(KB_LIMITS.tagMax, { each: true })
  @Matches(NOT_BLANK, { each: true, message: 'tags must not hold blank tags' })
  tags?: string[];
}

export class KbEntryIdParamDto {
  @ApiProperty({ example: 'card-instalment' })
  @IsString()
  @Matches(KB_ENTRY_ID_PATTERN, { message: ID_MESSAGE })
  id!: string;
}

export class KbEntryResponseDto {
  @ApiProperty({ example: 'card-instalment' }) id!: string;
  @ApiProperty({ example: '信用卡账单可以分期吗?' }) question!: string;
  @ApiProperty({ example: ['账单能不能分期还款', '账单分期手续费是多少'], type: [String] }) similarQuestions!: string[];
  @ApiProperty({ example: '可以,账单可分3/6/12期,手续费每期0.75%/0.70%/0.66%。' }) answer!: string;
  @ApiProperty({ example: ['credit-card'], type: [String] }) tags!: string[];
  @ApiProperty({ example: '2026-11-22T08:00:00.000Z' }) createdAt!: string;
  @ApiProperty({ example: '2026-11-22T08:00:00.000Z' }) updatedAt!: string;
}

export class KbListQueryDto {
  @ApiPropertyOptional({ example: KB_PAGE_DEFAULT, minimum: 1, maximum: KB_PAGE_MAX, default: KB_PAGE_DEFAULT })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(KB_PAGE_MAX)
  limit?: number;

  @ApiPropertyOptional({ example: 'Y2FyZC1pbnN0YWxtZW50', description: '`nextCursor` of the previous page.' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;

  @ApiPropertyOptional({ example: 'credit-card', description: 'Only entries carrying this tag.' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(KB_LIMITS.tagMax)
  tag?: string;
}

export class KbEntryPageResponseDto {
  @ApiProperty({ type: [KbEntryResponseDto], description: 'In id order.' }) items!: KbEntryResponseDto[];
  @ApiProperty({ example: 'Y2FyZC1pbnN0YWxtZW50', nullable: true, type: String, description: 'Pass as `cursor` for the next page; null on the last page.' })
  nextCursor!: string | null;
}

export class KbImportQueryDto {
  @ApiPropertyOptional({
    enum: KB_IMPORT_MODES,
    default: 'upsert',
    description: '`upsert`: add the file\'s entries, replacing those with the same id. `replace`: the knowledge base becomes exactly the file (entries it does not name are deleted).',
  })
  @IsOptional()
  @IsIn(KB_IMPORT_MODES)
  mode?: KbImportMode;
}

export class KbExportQueryDto {
  @ApiPropertyOptional({ enum: KB_FILE_FORMATS, default: 'ndjson' })
  @IsOptional()
  @IsIn(KB_FILE_FORMATS)
  format?: KbFileFormat;
}

export class KbImportResponseDto {
  @ApiProperty({ example: 3, description: 'Entries in the file.' }) imported!: number;
  @ApiProperty({ example: 1 }) created!: number;
  @ApiProperty({ example: 1, description: 'Existing entries the file changed.' }) updated!: number;
  @ApiProperty({ example: 1, description: 'Existing entries already identical to the file (left untouched).' }) unchanged!: number;
  @ApiProperty({ example: 0, description: 'Entries the file did not name (`mode=replace` only).' }) deleted!: number;
}
