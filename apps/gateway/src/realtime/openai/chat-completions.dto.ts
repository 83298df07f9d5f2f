import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  Allow, ArrayMaxSize, ArrayMinSize, Equals, IsArray, IsBoolean, IsOptional, IsString, Matches, MaxLength, ValidateNested,
  registerDecorator, type ValidationArguments,
} from 'class-validator';
import { USER_ID_PATTERN } from '#common';

export const CHAT_ROLES = ['system', 'developer', 'user', 'assistant', 'tool', 'function'] as const;
const MAX_MESSAGES = 256;

/** A message as OpenAI clients send it: content is a string, text parts, or null. */
export interface ChatCompletionMessage {
  role: (typeof CHAT_ROLES)[number];
  content?: string | { type: string; text?: string }[] | null;
  [other: string]: unknown;
}

const isMessage = (value: unknown): value is ChatCompletionMessage => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const { role, content } = value as Record<string, unknown>;
  if (typeof role !== 'string' || !(CHAT_ROLES as readonly string[]).includes(role)) return false;
  if (content === undefined || content === null || typeof content === 'string') return true;
  return Array.isArray(content) && content.every((part) => part !== null && typeof part === 'object' && typeof (part as { type?: unknown }).type === 'string');
};

/**
 * Messages are checked for shape only (role, content as text or parts): clients replay earlier
 * assistant messages with fields of their own (`refusal`, `tool_calls`, …), which are ignored.
 */
const IsChatMessages = (): PropertyDecorator => (target, propertyName) =>
  registerDecorator({
    name: 'isChatMessages',
    target: target.constructor,
    propertyName: propertyName as string,
    validator: {
      validate: (value: unknown) => Array.isArray(value) && value.every(isMessage),
      defaultMessage: (args?: ValidationArguments) =>
        `${args?.property ?? 'messages'} must be an array of {role, content} with role one of ${CHAT_ROLES.join(', ')} and content a string or an array of content parts`,
    },
  });

export class StreamOptionsDto {
  @ApiPropertyOptional({ example: true, description: 'Send a last chunk with `usage` before `[DONE]`.' })
  @IsOptional()
  @IsBoolean()
  include_usage?: boolean;

  @Allow() include_obfuscation?: unknown;
}

export class ChatCompletionRequestDto {
  @ApiPropertyOptional({ example: 'fengda', description: 'Echoed back; Fengda answers with the tenant’s own engine whatever the name.' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  model?: string;

  @ApiProperty({
    example: [{ role: 'user', content: '信用卡账单可以分期吗?' }],
    description: "The last `user` message is the question. Earlier messages are ignored: Fengda keeps the conversation itself, per `user`.",
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_MESSAGES)
  @IsChatMessages()
  messages!: ChatCompletionMessage[];

  @ApiProperty({ example: 'customer-42', description: 'The end user (required): names the conversation, as `userId` does for `/v1/auth/token`.' })
  @IsString()
  @Matches(USER_ID_PATTERN, { message: 'user must be 1-128 characters of A-Z a-z 0-9 . _ : @ -' })
  user!: string;

  @ApiPropertyOptional({ example: false, description: 'Stream `chat.completion.chunk` events, ending with `data: [DONE]`.' })
  @IsOptional()
  @IsBoolean()
  stream?: boolean;

  @ApiPropertyOptional({ type: StreamOptionsDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => StreamOptionsDto)
  stream_options?: StreamOptionsDto;

  @ApiPropertyOptional({ example: 1, description: 'Only 1 is supported.' })
  @IsOptional()
  @Equals(1, { message: 'n must be 1' })
  n?: number;

  // Sampling and bookkeeping parameters that generic clients send; accepted and ignored, since
  // the tenant's configuration decides how Fengda answers.
  @Allow() temperature?: unknown;
  @Allow() top_p?: unknown;
  @Allow() max_tokens?: unknown;
  @Allow() max_completion_tokens?: unknown;
  @Allow() presence_penalty?: unknown;
  @Allow() frequency_penalty?: unknown;
  @Allow() stop?: unknown;
  @Allow() seed?: unknown;
  @Allow() metadata?: unknown;
  @Allow() store?: unknown;
  @Allow() safety_identifier?: unknown;
  @Allow() prompt_cache_key?: unknown;
}

class ChatCompletionMessageOutDto {
  @ApiProperty({ example: 'assistant' }) role!: 'assistant';
  @ApiProperty({ example: '可以,账单可分3/6/12期…' }) content!: string;
  @ApiProperty({ type: String, nullable: true, example: null }) refusal!: null;
}

class ChatCompletionChoiceDto {
  @ApiProperty({ example: 0 }) index!: number;
  @ApiProperty({ type: ChatCompletionMessageOutDto }) message!: ChatCompletionMessageOutDto;
  @ApiProperty({ type: Object, nullable: true, example: null }) logprobs!: null;
  @ApiProperty({ example: 'stop' }) finish_reason!: 'stop';
}

class UsageDto {
  @ApiProperty({ example: 12, description: 'Estimated.' }) prompt_tokens!: number;
  @ApiProperty({ example: 30, description: 'Estimated.' }) completion_tokens!: number;
  @ApiProperty({ example: 42 }) total_tokens!: number;
}

class FengdaTurnDto {
  @ApiProperty({ example: 'kb' }) source!: string;
  @ApiProperty({ example: 0.82 }) confidence!: number;
  @ApiProperty({ example: 3 }) seq!: number;
  @ApiPropertyOptional({ example: 'credit-card-instalment' }) entryId?: string;
}

export class ChatCompletionResponseDto {
  @ApiProperty({ example: 'chatcmpl-5f0c9e1b2a7d4c3e8f6a1b2c3d4e5f60' }) id!: string;
  @ApiProperty({ example: 'chat.completion' }) object!: 'chat.completion';
  @ApiProperty({ example: 1763798400 }) created!: number;
  @ApiProperty({ example: 'fengda' }) model!: string;
  @ApiProperty({ type: [ChatCompletionChoiceDto] }) choices!: ChatCompletionChoiceDto[];
  @ApiProperty({ type: UsageDto }) usage!: UsageDto;
  @ApiProperty({ type: FengdaTurnDto, description: 'Fengda extension: where the answer came from.' }) fengda!: FengdaTurnDto;
}
