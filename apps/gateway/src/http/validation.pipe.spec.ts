import 'reflect-metadata';
import { describe, expect, it, jest } from '@jest/globals';
import { ValidationPipe, type ArgumentMetadata } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, MaxLength } from 'class-validator';
import { ChatRequestDto, TokenRequestDto } from '../dto/chat.dto.js';
import { compileSimpleDtoCheck } from './simple-dto-check.js';
import { createValidationPipe, VALIDATION_OPTIONS } from './validation.pipe.js';

class PagedDto {
  @IsOptional() @Type(() => Number) @IsInt() limit?: number;
}

class TrimmedDto {
  @IsString() @MaxLength(3) @Type(() => String) name!: string;
}

const fast = createValidationPipe();
// Nest's own pipe with the same options: what the fast path must agree with.
const reference = new ValidationPipe(VALIDATION_OPTIONS);

const outcome = async (pipe: ValidationPipe, value: unknown, metatype: ArgumentMetadata['metatype']): Promise<unknown> => {
  try {
    // As the body parser makes it (a fresh object per pipe: class-transformer's path mutates what it is given).
    const out = await pipe.transform(value === undefined ? value : JSON.parse(JSON.stringify(value)), { type: 'body', metatype });
    return { ok: out, isInstance: metatype ? out instanceof metatype : false };
  } catch (error) {
    const e = error as { code?: string; message: string; details?: unknown };
    return { code: e.code, message: e.message, details: e.details };
  }
};

const CHAT_BODIES: unknown[] = [
  { query: '信用卡账单可以分期吗?' },
  { query: 'How do I reset my PIN?', clientMsgId: 'msg-7f3a2c' },
  { query: 'x', clientMsgId: null },
  { query: 'x', clientMsgId: undefined },
  { query: '' },
  { query: '   ' },
  { query: 'q'.repeat(2000) },
  { query: 'q'.repeat(2001) },
  { query: '😀' },
  { query: '\uFE0F' },
  { query: '😀'.repeat(1000) },
  { query: '😀'.repeat(1001) },
  { query: 42 },
  { query: ['a'] },
  { query: null },
  {},
  { query: 'hi', extra: 1 },
  { query: 'hi', clientMsgId: 'has space' },
  { query: 'hi', clientMsgId: 'm'.repeat(129) },
  { query: 'hi', clientMsgId: 7 },
  { query: 'hi', constructor: 'x' },
  [],
  'query',
  null,
];

describe('FengdaValidationPipe', () => {
  const label = (body: unknown): string => (JSON.stringify(body) ?? String(body)).slice(0, 60);
  it.each(CHAT_BODIES.map((body) => [label(body), body]))('agrees with class-validator on the chat body %s', async (_label, body) => {
    expect(await outcome(fast, body, ChatRequestDto)).toEqual(await outcome(reference, body, ChatRequestDto));
  });

  it('agrees on a token request (one pattern-checked string)', async () => {
    for (const body of [{ userId: 'customer-42' }, { userId: 'a b' }, { userId: '' }, { userId: 'x', more: true }]) {
      expect(await outcome(fast, body, TokenRequestDto)).toEqual(await outcome(reference, body, TokenRequestDto));
    }
  });

  it('answers a valid chat body without class-validator', async () => {
    const slowPath = jest.spyOn(ValidationPipe.prototype, 'transform');
    try {
      await fast.transform({ query: '信用卡账单可以分期吗?', clientMsgId: 'm-1' }, { type: 'body', metatype: ChatRequestDto });
      expect(slowPath).not.toHaveBeenCalled();
      await fast.transform({ query: '' }, { type: 'body', metatype: ChatRequestDto }).catch(() => undefined);
      expect(slowPath).toHaveBeenCalledTimes(1);
    } finally {
      slowPath.mockRestore();
    }
  });

  it('returns an instance of the DTO with the body as sent', async () => {
    const out = await fast.transform({ query: 'hi', clientMsgId: 'm-1' }, { type: 'body', metatype: ChatRequestDto });
    expect(out).toBeInstanceOf(ChatRequestDto);
    expect({ ...(out as object) }).toEqual({ query: 'hi', clientMsgId: 'm-1' });
  });

  it('compiles only DTOs whose rules and transforms it fully understands', () => {
    expect(compileSimpleDtoCheck(ChatRequestDto)).toBeInstanceOf(Function);
    expect(compileSimpleDtoCheck(PagedDto)).toBeUndefined();
    expect(compileSimpleDtoCheck(TrimmedDto)).toBeUndefined();
  });

  it('leaves DTOs with other rules to class-validator, conversions included', async () => {
    const out = await fast.transform({ limit: '5' }, { type: 'query', metatype: PagedDto });
    expect(out).toEqual(Object.assign(new PagedDto(), { limit: 5 }));
  });
});
