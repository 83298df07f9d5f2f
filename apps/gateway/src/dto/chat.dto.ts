import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { ANSWER_SOURCES, USER_ID_PATTERN, type AnswerSource } from '#common';

export class TokenRequestDto {
  @ApiProperty({ example: 'customer-42', description: "Your own id for the end user (1-128 of A-Z a-z 0-9 . _ : @ -). Don't use a phone number or ID-card number." })
  @IsString()
  @Matches(USER_ID_PATTERN, { message: 'userId must be 1-128 characters of A-Z a-z 0-9 . _ : @ -' })
  userId!: string;
}

export class TokenResponseDto {
  @ApiProperty({ example: 'eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIiwidHlwIjoiSldUIn0.eyJ0aWQiOiJkZW1vLWJhbmsiLCJzdWIiOiJjdXN0b21lci00MiJ9.c2lnbmF0dXJl' })
  token!: string;

  @ApiProperty({ example: 900, description: 'Seconds until the token expires.' })
  expiresIn!: number;

  @ApiProperty({ example: 'Bearer' })
  tokenType!: string;
}

export class ChatRequestDto {
  @ApiProperty({ example: '信用卡账单可以分期吗?', minLength: 1, maxLength: 2000 })
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  @Matches(/\S/, { message: 'query must not be blank' })
  query!: string;

  @ApiPropertyOptional({ example: 'msg-7f3a2c', description: 'Your id for this message: a retry with the same id is answered once, with the same answer.' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9._:-]{1,128}$/, { message: 'clientMsgId must be 1-128 characters of A-Z a-z 0-9 . _ : -' })
  clientMsgId?: string;
}

export class ChatResponseDto {
  @ApiProperty({ example: '可以。信用卡账单可申请3/6/12期分期,每期手续费率分别为0.75%/0.70%/0.66%。' })
  answer!: string;

  @ApiProperty({ enum: ANSWER_SOURCES, example: 'kb' })
  source!: AnswerSource;

  @ApiProperty({ example: 0.82, minimum: 0, maximum: 1 })
  confidence!: number;

  @ApiProperty({ example: 3, description: "Turn number in this user's conversation." })
  seq!: number;

  @ApiPropertyOptional({ example: 'credit-card-instalment', description: 'Knowledge-base entry the answer came from.' })
  entryId?: string;
}

class TurnDto {
  @ApiProperty({ example: 1 }) seq!: number;
  @ApiProperty({ example: '信用卡账单可以分期吗?' }) query!: string;
  @ApiProperty({ example: '可以。…' }) answer!: string;
  @ApiProperty({ enum: ANSWER_SOURCES, example: 'kb' }) source!: AnswerSource;
  @ApiProperty({ example: 0.82 }) confidence!: number;
  @ApiPropertyOptional({ example: 'credit-card-instalment' }) entryId?: string;
  @ApiPropertyOptional({ example: 'msg-7f3a2c' }) clientMsgId?: string;
  @ApiProperty({ example: '2026-11-22T08:00:00.000Z' }) at!: string;
}

export class ConversationResponseDto {
  @ApiProperty({ example: 'customer-42' }) userId!: string;
  @ApiProperty({ type: [TurnDto], description: 'Oldest first; at most the tenant’s maxTurns.' }) turns!: TurnDto[];
}

export class ConversationErasedResponseDto {
  @ApiProperty({ example: 'customer-42' }) userId!: string;
  @ApiProperty({ example: true, description: 'Whether anything was stored.' }) erased!: boolean;
}
