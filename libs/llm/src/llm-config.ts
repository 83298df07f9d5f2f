import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsNumber, IsOptional, IsString, IsUrl, Max, MaxLength, Min, MinLength } from 'class-validator';

/** A tenant's OpenAI-compatible provider, as the engine uses it (no credentials). */
export interface LlmSettings {
  /** Base URL; the engine POSTs to `{baseUrl}/chat/completions`. */
  baseUrl: string;
  model: string;
  temperature: number;
  maxTokens: number;
  /** Prepended to the grounding instructions; null = a neutral customer-service persona. */
  systemPrompt: string | null;
  /** One call's time limit; the turn's deadline may cut it shorter. */
  timeoutMs: number;
}

/** As stored in the tenant config: the API key sealed by libs/secrets, never in clear. */
export interface StoredLlmConfig extends LlmSettings {
  apiKeySealed: string | null;
}

/** As an operator writes it. `apiKey` omitted keeps the stored key (same baseUrl only); null removes it. */
export interface LlmConfigInput {
  baseUrl: string;
  model: string;
  apiKey?: string | null;
  temperature?: number;
  maxTokens?: number;
  systemPrompt?: string | null;
  timeoutMs?: number;
}

/** As the admin API shows it: whether a key is set, never the key. */
export interface LlmConfigView extends LlmSettings {
  apiKeySet: boolean;
}

export const LLM_DEFAULTS = Object.freeze({ temperature: 0.3, maxTokens: 512, timeoutMs: 1500 });

/** Validated on write (nested in the tenant config). */
export class LlmConfigDto implements LlmConfigInput {
  @ApiProperty({ example: 'https://api.openai.com/v1', description: 'OpenAI-compatible base URL (http or https); `/chat/completions` is appended.' })
  @IsString()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false }, { message: 'llm.baseUrl must be an http(s) URL' })
  @MaxLength(2000)
  baseUrl!: string;

  @ApiProperty({ example: 'gpt-4o-mini', maxLength: 200 })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  model!: string;

  @ApiPropertyOptional({
    example: 'sk-…',
    nullable: true,
    writeOnly: true,
    type: String,
    description: 'Write-only: stored encrypted, never returned (the view shows `apiKeySet`). Omit to keep the stored key (kept only while baseUrl is unchanged); null removes it.',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(4000)
  apiKey?: string | null;

  @ApiPropertyOptional({ example: 0.3, minimum: 0, maximum: 2, default: LLM_DEFAULTS.temperature })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(2)
  temperature?: number;

  @ApiPropertyOptional({ example: 512, minimum: 1, maximum: 4096, default: LLM_DEFAULTS.maxTokens })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(4096)
  maxTokens?: number;

  @ApiPropertyOptional({ example: '你是蜂答银行的在线客服,语气礼貌、简洁。', maxLength: 4000, nullable: true, type: String })
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  systemPrompt?: string | null;

  @ApiPropertyOptional({ example: 1500, minimum: 100, maximum: 30000, default: LLM_DEFAULTS.timeoutMs, description: 'milliseconds per call; the turn deadline may cut it shorter' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(30_000)
  timeoutMs?: number;
}

/** The settings with defaults filled in and the base URL without trailing slashes. */
export const resolveLlmSettings = (input: LlmConfigInput | LlmSettings): LlmSettings => ({
  baseUrl: input.baseUrl.replace(/\/+$/, ''),
  model: input.model,
  temperature: input.temperature ?? LLM_DEFAULTS.temperature,
  maxTokens: input.maxTokens ?? LLM_DEFAULTS.maxTokens,
  systemPrompt: input.systemPrompt ?? null,
  timeoutMs: input.timeoutMs ?? LLM_DEFAULTS.timeoutMs,
});
